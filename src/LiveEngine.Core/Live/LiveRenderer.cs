using System.Diagnostics;
using LiveEngine.Execution;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// The audio side of a live session: renders blocks of the current snapshot and swaps in committed snapshots at
/// their exact sample, splitting a block there when the commit falls inside it. Committed snapshots arrive
/// through a preallocated single-producer/single-consumer queue; replaced snapshots leave through another one
/// for the control side to release. <see cref="Render"/> allocates nothing, takes no lock and never blocks.
/// </summary>
/// <remarks>
/// Splitting is inaudible by construction: every node's output is independent of how the stream is split into
/// blocks, so rendering [t, t + k) with the old snapshot and [t + k, t + n) with the new one equals what each
/// would have produced.
/// </remarks>
public sealed partial class LiveRenderer
{
    /// <summary>Commits that may be pending at once.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>Parameter events that may be pending at once.</summary>
    public const int EventCapacity = 8192;

    private readonly IGraphExecutor _executor;
    private readonly float[][] _output;

    // Control thread → audio thread: pending commits, in commit order.
    private readonly CommitTicket?[] _pending = new CommitTicket?[QueueCapacity];
    private PaddedIndex _pendingHead;
    private PaddedIndex _pendingTail;

    // Control thread → audio thread: parameter events, in any order; the audio side sorts them into _events.
    private readonly ParameterEvent[] _incoming = new ParameterEvent[EventCapacity];
    private PaddedIndex _incomingHead;
    private PaddedIndex _incomingTail;
    private readonly EventHeap _events = new(EventCapacity);
    private long _droppedEvents;

    // Control thread: queued copies that a commit re-resolved onto its own snapshot; each earlier copy is dropped on landing.
    private long _supersededEvents;

    // Audio thread → control thread: snapshots that were replaced.
    private readonly GraphSnapshot?[] _retired = new GraphSnapshot?[QueueCapacity];
    private PaddedIndex _retiredHead;
    private PaddedIndex _retiredTail;

    // Audio thread only.
    private GraphSnapshot _current;

    // Render thread: whether RenderCore runs render-ahead's deferred pass (live jobs and live parameters left to the live pass).
    private bool _deferredPass;
    private long _position;

    // The sample from which _current plays (render thread writes, control threads read: LiveRenderer.PositionFor).
    private long _currentSince;
    private long _droppedRetirements;
    private readonly ControllerLanes _lanes;
    private readonly double _framesPerTick;

    // Written by the audio thread, read by the control thread.
    private PaddedIndex _publishedPosition;

    // Set by a control thread, read by the audio thread once per Render.
    private volatile OutputTap? _tap;
    private volatile NodeProbe? _probe;
    private volatile JobTimeline? _timeline;

    // Set by a control thread (the transport), read by the audio thread once per Render.
    private volatile bool _stopped;

    // Written by the audio thread at each block start, read by control threads: the bits of the clock line's
    // offset, position − timestamp × frames per tick (see SampleAtTimestamp).
    private PaddedIndex _clockOffsetBits;

    internal LiveRenderer(GraphSnapshot initial, IGraphExecutor executor, int outputChannels, long startPosition = 0)
    {
        _current = initial;
        _position = startPosition;
        _publishedPosition.Value = startPosition;
        _executor = executor;
        _lanes = new ControllerLanes(initial.SampleRate);
        _framesPerTick = initial.SampleRate / (double)Stopwatch.Frequency;
        _clockOffsetBits.Value = BitConverter.DoubleToInt64Bits(startPosition - (Stopwatch.GetTimestamp() * _framesPerTick));
        _output = new float[outputChannels][];
        for (int c = 0; c < outputChannels; c++)
        {
            _output[c] = new float[initial.MaxBlockFrames];
        }
    }

    /// <summary>The stream position of the next block to render (frames since the session started). Any thread.</summary>
    public long Position => Volatile.Read(ref _publishedPosition.Value);

    public int MaxBlockFrames => _current.MaxBlockFrames;

    public int OutputChannels => _output.Length;

    /// <summary>The snapshot playing now. Audio thread (or a control thread while nothing renders).</summary>
    public GraphSnapshot Current => _current;

    /// <summary>Events that arrived for a snapshot no longer playing (a late event after a commit), or did not fit.</summary>
    /// <remarks>
    /// Not counted: the earlier copy of an event that a later commit landing before it queued again for its own
    /// snapshot (until that copy reaches its sample the count may read low by it).
    /// </remarks>
    public long DroppedEvents => Math.Max(0, Interlocked.Read(ref _droppedEvents) - Interlocked.Read(ref _supersededEvents));

    /// <summary>Replaced snapshots that could not be queued for release (queue full); they are left to the GC.</summary>
    public long DroppedRetirements => Interlocked.Read(ref _droppedRetirements);

    /// <summary>Controller moves ignored by soft takeover (the controller had not reached the parameter's value yet). Any thread.</summary>
    public long ControllerMovesHeld => _lanes.HeldBySoftTakeover;

    /// <summary>Controller moves made for a binding that was replaced before they landed. Any thread.</summary>
    public long StaleControllerMoves => _lanes.StaleMoves;

    /// <summary>The sample on which controller lane <paramref name="lane"/>'s last move was applied, or −1. Any thread.</summary>
    public long LastControllerMoveSample(int lane) => _lanes.LastMoveSample(lane);

    /// <summary>
    /// The stream position at <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp: CLOCK_MONOTONIC on
    /// Linux, the same clock in every process): the position of the latest block start plus the time since that
    /// start at the sample rate (a time before it, minus). The latest start, not a fit over many: an audio clock
    /// that runs slower or faster than the wall clock (a loaded dummy JACK server ran 40% slow) is followed at once.
    /// Any thread.
    /// </summary>
    public long SampleAtTimestamp(long timestamp) =>
        (long)Math.Floor(BitConverter.Int64BitsToDouble(Volatile.Read(ref _clockOffsetBits.Value)) + (timestamp * _framesPerTick));

    /// <summary>Where each played block is also copied, mixed to one channel, for display (null: nowhere). Set from any thread.</summary>
    public OutputTap? Tap
    {
        get => _tap;
        set => _tap = value;
    }

    /// <summary>Per-node meters and the node scope, written by the jobs that run the nodes (null: none). Set from any thread.</summary>
    public NodeProbe? Probe
    {
        get => _probe;
        set => _probe = value;
    }

    /// <summary>
    /// Where the executor records each job's start and end, per worker (null: nowhere, and nothing is timed). Switched on
    /// and off from any thread while the session plays; it takes effect at the next block. Its worker count must be at
    /// least the executor's threads, or the parallel blocks go unrecorded.
    /// </summary>
    public JobTimeline? Timeline
    {
        get => _timeline;
        set => _timeline = value;
    }

    /// <summary>
    /// The transport: false stops it (from the next block the output is silent, nothing renders and the position
    /// holds, so commits and events due later wait); true starts it again where it held. Any thread.
    /// </summary>
    public bool Playing
    {
        get => !_stopped;
        set => _stopped = !value;
    }

    /// <summary>Output channel <paramref name="channel"/> of the last block rendered (played, with render-ahead).</summary>
    public ReadOnlySpan<float> Output(int channel, int frames) => (_ahead is { } ahead ? ahead.Played : _output)[channel].AsSpan(0, frames);

    /// <summary>
    /// Renders the next <paramref name="frames"/> frames; with render-ahead (<see cref="StartRenderAhead"/>), reads them
    /// from what the render-ahead thread rendered. Audio thread only.
    /// </summary>
    public void Render(int frames)
    {
        if (_stopped)
        {
            RenderStopped(frames);
            return;
        }

        if (_ahead is { } ahead)
        {
            ReadAhead(ahead, frames, ahead.Options.WaitWhenEmpty);
            _tap?.Write(ahead.Played, frames);
            _probe?.ObserveOutput(ahead.Played, frames);
            return;
        }

        UpdateClockLine(_position);
        RenderCore(frames);
        _tap?.Write(_output, frames);
        _probe?.ObserveOutput(_output, frames);
    }

    /// <summary>The transport is stopped: silence out, the clock held (its line anchored at the held position). Audio thread.</summary>
    private void RenderStopped(int frames)
    {
        float[][] output = _ahead is { } ahead ? ahead.Played : _output;
        for (int c = 0; c < output.Length; c++)
        {
            output[c].AsSpan(0, frames).Clear();
        }

        if (_ahead is null)
        {
            UpdateClockLine(_position);
        }

        _tap?.Write(output, frames);
        _probe?.ObserveOutput(output, frames);
    }

    /// <summary>
    /// Renders the next <paramref name="frames"/> frames into <see cref="_output"/>; returns the frames rendered, fewer
    /// only in render-ahead's deferred pass (<see cref="_deferredPass"/>), which stops where it may not go on (see
    /// <see cref="StopsDeferredPass"/>). The render thread: the audio thread, or the render-ahead thread.
    /// </summary>
    private int RenderCore(int frames)
    {
        Debug.Assert(frames >= 1 && frames <= _current.MaxBlockFrames, "Block larger than the session's maximum block size: split it.");
        DrainIncomingEvents();
        int done = 0;
        while (done < frames)
        {
            long blockEnd = _position + frames;

            // Anything due before the first frame not yet rendered (published late) lands on that frame.
            long first = _position + done;
            CommitTicket? next = PeekPending();
            long commitAt = next is null ? long.MaxValue : Math.Max(next.CommitSample, first);
            long eventAt = Math.Max(_events.NextSample, first);
            long stepAt = Math.Max(_lanes.NextStepSample, first);
            long at = Math.Min(Math.Min(commitAt, eventAt), stepAt);
            if (at >= blockEnd)
            {
                RenderSegment(done, frames);
                done = frames;
                continue;
            }

            int offset = (int)(at - _position);
            if (offset > done)
            {
                RenderSegment(done, offset);
                done = offset;
            }

            if (_deferredPass && StopsDeferredPass(commitAt == at ? next : null, stepAt == at, at))
            {
                break;
            }

            // Commits first, then events: an event resolved against the snapshot landing on the same sample
            // writes that snapshot's values either way, so the order between the two does not matter.
            if (commitAt == at)
            {
                if (_ahead is { } ahead)
                {
                    // The live pass swaps (and retires the old snapshot) when it reaches the same sample.
                    ahead.PushSwap(at, next!.Snapshot, _deferredPass && next.Snapshot.Hybrid is not null, _current);
                }
                else
                {
                    Retire(_current);
                }

                // Before the swap is visible: a control thread that sees the new snapshot sees where it starts.
                Volatile.Write(ref _currentSince, at);
                _current = next!.Snapshot;
                DequeuePending();
                next.MarkApplied(at);
            }

            // Smoothed controllers before events: a move on the same sample restarts from the stepped value.
            if (stepAt == at)
            {
                _lanes.Step(at, _current);
            }

            bool stopped = false;
            while (_events.Count > 0 && Math.Max(_events.NextSample, first) <= at)
            {
                ParameterEvent item = _events.Pop();
                if (_deferredPass && !ApplyInDeferredPass(item, at))
                {
                    // A controller event: the render-ahead thread catches the live pass up and renders it whole.
                    _events.Push(item);
                    stopped = true;
                    break;
                }

                if (!_deferredPass)
                {
                    Apply(item, at);
                }
            }

            if (stopped)
            {
                _ahead!.NeedsWholePass = true;
                break;
            }
        }

        _position += done;

        // Release: a control thread that reads the new position sees every swap made before it.
        Volatile.Write(ref _publishedPosition.Value, _position);
        return done;
    }

    /// <summary>
    /// Renders <paramref name="blocks"/> blocks whose output nobody hears, before a driver starts: the JIT
    /// compiles the whole render path (executor, every node's Process) here instead of in the first real-time
    /// callbacks. The session's position advances by that much. Call it on the thread that will not be the
    /// audio thread, before the driver activates.
    /// </summary>
    public void WarmUp(int blocks = 64)
    {
        for (int b = 0; b < blocks; b++)
        {
            if (_ahead is { } ahead)
            {
                // The render-ahead thread renders; this warms the reading path and waits for what it reads. Device
                // blocks: a larger read would make the live pass (and a bound controller) run that far ahead for good.
                ReadAhead(ahead, ahead.Options.DeviceBlockFrames, wait: true);
            }
            else
            {
                Render(MaxBlockFrames);
            }
        }

        // The warm-up played what was rendered ahead: the device starts once the look-ahead is full again.
        if (_ahead is not null)
        {
            WaitForLookAhead(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Queues a commit. Control thread only (one at a time); false if the queue is full.</summary>
    internal bool TryEnqueue(CommitTicket ticket)
    {
        long tail = _pendingTail.Value;
        if (tail - Volatile.Read(ref _pendingHead.Value) >= QueueCapacity)
        {
            return false;
        }

        _pending[tail % QueueCapacity] = ticket;

        // Release: the ticket and its fully built snapshot are visible before the audio side sees the new tail.
        Volatile.Write(ref _pendingTail.Value, tail + 1);
        return true;
    }

    /// <summary>Queues a parameter event. Control thread only (one at a time); false if the queue is full.</summary>
    internal bool TryEnqueue(in ParameterEvent item)
    {
        long tail = _incomingTail.Value;
        if (tail - Volatile.Read(ref _incomingHead.Value) >= EventCapacity)
        {
            return false;
        }

        _incoming[tail % EventCapacity] = item;

        // Release: the event is complete before the audio side sees the new tail.
        Volatile.Write(ref _incomingTail.Value, tail + 1);
        return true;
    }

    /// <summary>Free places in the queue of parameter events not yet taken by the audio side. Control thread.</summary>
    internal long IncomingEventRoom => EventCapacity - (_incomingTail.Value - Volatile.Read(ref _incomingHead.Value));

    /// <summary>Notes that an event queued earlier was queued again for a later commit's snapshot (see <see cref="DroppedEvents"/>). Control thread.</summary>
    internal void NoteSupersededEvent() => Interlocked.Increment(ref _supersededEvents);

    /// <summary>Takes one replaced snapshot off the release queue. Control thread only.</summary>
    internal bool TryTakeRetired(out GraphSnapshot? snapshot)
    {
        long head = _retiredHead.Value;
        if (head == Volatile.Read(ref _retiredTail.Value))
        {
            snapshot = null;
            return false;
        }

        snapshot = _retired[head % QueueCapacity];
        _retired[head % QueueCapacity] = null;
        Volatile.Write(ref _retiredHead.Value, head + 1);
        return true;
    }

    private void DrainIncomingEvents()
    {
        long head = _incomingHead.Value;
        long tail = Volatile.Read(ref _incomingTail.Value);
        while (head < tail && !_events.IsFull)
        {
            ref ParameterEvent slot = ref _incoming[head % EventCapacity];
            _events.Push(slot);
            slot = default;
            head++;
        }

        Volatile.Write(ref _incomingHead.Value, head);
    }

    /// <summary>
    /// Writes an event's value into the snapshot it was resolved against: the one playing, or one still pending
    /// (it will carry the value when it lands). A snapshot already replaced cannot hear it any more.
    /// </summary>
    private void Apply(in ParameterEvent item, long sample)
    {
        if (item.Lane is { } lane && item.Index < 0)
        {
            _lanes.Bind(lane);
        }
        else if (!ReferenceEquals(item.Snapshot, _current) && !IsPending(item.Snapshot))
        {
            _droppedEvents++;
        }
        else if (item.Lane is not null)
        {
            _lanes.Move(item, sample);
        }
        else
        {
            item.Snapshot.ParameterValues[item.Index] = item.Value;
        }
    }

    /// <summary>Anchors <see cref="SampleAtTimestamp"/> at this block's start, <paramref name="position"/> (the one the device plays). Audio thread.</summary>
    private void UpdateClockLine(long position)
    {
        double offset = position - (Stopwatch.GetTimestamp() * _framesPerTick);

        // Release: one 64-bit write, so a reader sees a whole offset.
        Volatile.Write(ref _clockOffsetBits.Value, BitConverter.DoubleToInt64Bits(offset));
    }

    private bool IsPending(GraphSnapshot snapshot)
    {
        long tail = Volatile.Read(ref _pendingTail.Value);
        for (long i = _pendingHead.Value; i < tail; i++)
        {
            if (ReferenceEquals(_pending[i % QueueCapacity]?.Snapshot, snapshot))
            {
                return true;
            }
        }

        return false;
    }

    private CommitTicket? PeekPending()
    {
        while (true)
        {
            long head = _pendingHead.Value;
            CommitTicket? ticket = head == Volatile.Read(ref _pendingTail.Value) ? null : _pending[head % QueueCapacity];
            if (ticket is null || !ticket.IsCancelled)
            {
                return ticket;
            }

            // Withdrawn by the control side: never played; hand it back for release.
            DequeuePending();
            Retire(ticket.Snapshot);
        }
    }

    private void DequeuePending()
    {
        long head = _pendingHead.Value;
        _pending[head % QueueCapacity] = null;
        Volatile.Write(ref _pendingHead.Value, head + 1);
    }

    private void Retire(GraphSnapshot snapshot)
    {
        long tail = _retiredTail.Value;
        if (tail - Volatile.Read(ref _retiredHead.Value) >= QueueCapacity)
        {
            _droppedRetirements++;
            return;
        }

        _retired[tail % QueueCapacity] = snapshot;
        Volatile.Write(ref _retiredTail.Value, tail + 1);
    }

    private void RenderSegment(int from, int to)
    {
        int frames = to - from;
        GraphSnapshot snapshot = _current;
        NodeProbe? probe = _probe;
        probe?.Prepare(snapshot);
        snapshot.Probe = probe;
        snapshot.Timeline = _timeline;
        if (_deferredPass && snapshot.Hybrid is { } plan)
        {
            // Render-ahead's deferred pass over a hybrid snapshot: the deferred jobs only; what the live jobs read
            // goes to the boundary ring, and the live pass writes these frames of the output later.
            snapshot.SkippedJobs = snapshot.JobIsLive;
            _executor.Process(snapshot, frames, _position + from);
            snapshot.SkippedJobs = null;
            _ahead!.WriteBoundary(snapshot, plan, _position + from, frames);
            for (int c = 0; c < _output.Length; c++)
            {
                _output[c].AsSpan(from, frames).Clear();
            }

            return;
        }

        _executor.Process(snapshot, frames, _position + from);
        for (int c = 0; c < _output.Length; c++)
        {
            Span<float> destination = _output[c].AsSpan(from, frames);
            if (c < snapshot.OutputChannels)
            {
                snapshot.GetOutput(c, frames).CopyTo(destination);
            }
            else
            {
                destination.Clear();
            }
        }
    }
}
