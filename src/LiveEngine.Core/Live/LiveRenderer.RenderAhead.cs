using LiveEngine.Execution;
using LiveEngine.Nodes;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Live;

// Design: REAPER's anticipative FX processing. A render-ahead thread owns the session's render path (commits, events,
// controller lanes, the executor) and renders the stream ahead of the device, in large blocks, into a ring; the audio
// thread only copies from the ring. Because every change reaches the renderer as an event on an exact sample, and the
// control side resolves "now" against the rendered position (Position), a change never lands on a sample already
// rendered: render-ahead stops at a pending commit's sample and swaps there as the audio thread would have. Every node
// is block-size independent (architecture.md), so the bits equal an all-real-time render of the same session.
// The depth follows the domains: while the playing snapshot is deferrable (no live node) and no controller lane is
// bound, up to AheadFrames; otherwise one device block, so that a live node answers a block later at most.
public sealed partial class LiveRenderer
{
    private RenderAheadState? _ahead;

    /// <summary>Whether render-ahead is on (<see cref="StartRenderAhead"/>).</summary>
    public bool IsRenderingAhead => _ahead is not null;

    /// <summary>The stream position of the next frame the device plays: <see cref="Position"/> minus what is rendered ahead. Any thread.</summary>
    public long PlayedPosition => _ahead is { } ahead ? Volatile.Read(ref ahead.PlayedPosition.Value) : Position;

    /// <summary>
    /// The stream position up to which the output is complete (the live pass included): with render-ahead, the end of
    /// what the device may play now; a hybrid snapshot's live jobs stay about one device block ahead of
    /// <see cref="PlayedPosition"/> while <see cref="Position"/> (its deferred jobs) runs the look-ahead ahead. Any thread.
    /// </summary>
    public long CompletePosition => _ahead is { } ahead ? Volatile.Read(ref ahead.Written.Value) : Position;

    /// <summary>
    /// The position a change to node <paramref name="nodeId"/> made "now" resolves against: <see cref="CompletePosition"/>
    /// for a node the live pass renders (the change then lands about one device block after what the device plays),
    /// but not before the sample from which the snapshot that runs it live plays (a node just moved to the live domain:
    /// until the live pass gets there, the snapshot before renders it ahead); else <see cref="Position"/>. Any thread.
    /// </summary>
    internal long PositionFor(string nodeId)
    {
        if (_ahead is not { } ahead)
        {
            return Position;
        }

        GraphSnapshot playing = Volatile.Read(ref _current);
        long since = Volatile.Read(ref _currentSince);
        int node = playing.IndexOfNode(nodeId);
        return node >= 0 && playing.Hybrid is { } plan && plan.NodeRunsLive[node] ? Math.Max(Volatile.Read(ref ahead.Written.Value), since) : Position;
    }

    /// <summary>
    /// Whether a change made "now" to node <paramref name="nodeId"/> would land a look-ahead late: render-ahead is on and
    /// the latest snapshot <paramref name="latest"/> renders the node ahead (deferred, in a graph the live pass splits, or
    /// wholly deferred). Control thread.
    /// </summary>
    internal bool RendersAhead(GraphSnapshot latest, string nodeId)
    {
        if (_ahead is null)
        {
            return false;
        }

        int node = latest.IndexOfNode(nodeId);
        return node >= 0 && !latest.NodeIsLiveArray[node];
    }

    /// <summary>Blocks the device asked for before render-ahead had them: played as silence, the stream paused for them. Any thread.</summary>
    public long RenderAheadUnderruns => _ahead is { } ahead ? Volatile.Read(ref ahead.Underruns) : 0;

    /// <summary>The played positions of the first and the last underrun (−1 for none). Any thread.</summary>
    public (long First, long Last) RenderAheadUnderrunSpan => _ahead is { } ahead ? (Volatile.Read(ref ahead.FirstUnderrunAt), Volatile.Read(ref ahead.LastUnderrunAt)) : (-1, -1);

    /// <summary>Bytes the render-ahead thread allocated after its first 64 blocks (−1 before then, or without render-ahead). Any thread.</summary>
    public long RenderAheadAllocatedBytes => _ahead is { } ahead ? Volatile.Read(ref ahead.AllocatedAfterWarmUp) : -1;

    /// <summary>The render-ahead settings, or null when it is off.</summary>
    public RenderAheadOptions? RenderAhead => _ahead?.Options;

    /// <summary>
    /// Starts rendering ahead of the device on a thread of its own. Control thread, while nothing renders (before the
    /// driver starts); allocates the ring. From then on <see cref="Render"/> reads what that thread rendered.
    /// </summary>
    public void StartRenderAhead(RenderAheadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_ahead is not null)
        {
            throw new InvalidOperationException("Render-ahead is already on.");
        }

        if (options.DeferredBlockFrames < 1 || options.DeferredBlockFrames > _current.MaxBlockFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The deferred block must be 1..{_current.MaxBlockFrames} frames (the session's largest block), not {options.DeferredBlockFrames}.");
        }

        if (options.DeviceBlockFrames < 1 || options.AheadFrames < options.DeviceBlockFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Render-ahead needs a device block of at least 1 frame and a look-ahead of at least one device block, not {options.DeviceBlockFrames} and {options.AheadFrames}.");
        }

        var state = new RenderAheadState(options, _output.Length, _current.MaxBlockFrames, _position, _current);
        _ahead = state;
        state.Thread = new Thread(() => RunAhead(state)) { IsBackground = true, Name = "liveengine render-ahead" };
        state.Thread.Start();
    }

    /// <summary>
    /// Waits until the render-ahead thread has its whole look-ahead complete (control thread, after
    /// <see cref="StartRenderAhead"/> and before the driver starts), so that a device's first blocks do not play
    /// silence while that thread's code is still warming up. Returns false if it was not there within
    /// <paramref name="timeout"/> (the graph is heavier than real time): the device then starts anyway.
    /// </summary>
    public bool WaitForLookAhead(TimeSpan timeout)
    {
        if (_ahead is not { } state)
        {
            return true;
        }

        // The deferred pass renders whole deferred blocks while one more fits in the look-ahead, so it stops less
        // than a deferred block short of it; a graph rendered whole runs one device block ahead.
        RenderAheadOptions options = state.Options;
        bool deferred = _lanes.BoundCount == 0 && (_current.IsDeferrable || _current.Hybrid is not null);
        long target = deferred ? Math.Max(options.DeviceBlockFrames, options.AheadFrames - options.DeferredBlockFrames + 1) : options.DeviceBlockFrames;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Position - PlayedPosition < target)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>Stops the render-ahead thread and waits for it. Control thread, once nothing reads any more (the driver stopped).</summary>
    public void StopRenderAhead()
    {
        if (_ahead is not { } state)
        {
            return;
        }

        Volatile.Write(ref state.Stop, 1);
        state.Wake();
        state.Thread!.Join();
    }

    /// <summary>The audio thread's side: copies the next <paramref name="frames"/> frames from the ring.</summary>
    private void ReadAhead(RenderAheadState state, int frames, bool wait)
    {
        long played = state.PlayedPosition.Value;
        UpdateClockLine(played);
        if (frames > state.Requested)
        {
            // A read larger than the device block (a warm-up, a driver that changed its buffer): render that far.
            Volatile.Write(ref state.Requested, frames);
        }

        // Acquire: the frames below Written were copied into the ring before it moved.
        while (Volatile.Read(ref state.Written.Value) < played + frames)
        {
            state.Wake();
            if (!wait)
            {
                // Never block the device: play silence, and pause the stream so that nothing of it is lost.
                for (int c = 0; c < state.Played.Length; c++)
                {
                    state.Played[c].AsSpan(0, frames).Clear();
                }

                if (state.Underruns++ == 0)
                {
                    state.FirstUnderrunAt = played;
                }

                state.LastUnderrunAt = played;
                return;
            }

            Thread.Yield();
        }

        int mask = state.Ring[0].Length - 1;
        int at = (int)(played & mask);
        int first = Math.Min(frames, state.Ring[0].Length - at);
        for (int c = 0; c < state.Played.Length; c++)
        {
            state.Ring[c].AsSpan(at, first).CopyTo(state.Played[c]);
            state.Ring[c].AsSpan(0, frames - first).CopyTo(state.Played[c].AsSpan(first));
        }

        // Release: the writer may reuse these ring frames once it sees the new position.
        Volatile.Write(ref state.PlayedPosition.Value, played + frames);
        state.Wake();
    }

    /// <summary>
    /// The render-ahead thread: the live pass first (the next device block of a hybrid snapshot's live jobs), then the
    /// deferred pass while it is behind its target; parks when neither has work.
    /// </summary>
    private void RunAhead(RenderAheadState state)
    {
        state.Options.ThreadStarted?.Invoke();
        RenderAheadOptions options = state.Options;
        long blocks = 0;
        long allocatedAtWarmUp = 0;
        while (Volatile.Read(ref state.Stop) == 0)
        {
            int seen = Volatile.Read(ref state.WakeWord[0]);
            long played = Volatile.Read(ref state.PlayedPosition.Value);
            int device = Math.Max(options.DeviceBlockFrames, Volatile.Read(ref state.Requested));
            ForwardLateLiveEvents(state);
            RenderLive(state, played + device);

            // Whole graphs (every job, one device block ahead) where the split cannot be kept: a bound controller
            // (its moves and smoothing write parameters on the render position), a live snapshot that cannot be split,
            // or a stop of the deferred pass that asked for one. Only from where the live pass stands: the live
            // nodes' state is there.
            bool whole = state.NeedsWholePass || _lanes.BoundCount != 0 || (!_current.IsDeferrable && _current.Hybrid is null);
            int frames;
            if (whole)
            {
                frames = state.LivePosition < _position ? 0 : (int)Math.Min(played + device - _position, device);
            }
            else
            {
                // Whole large blocks only (each is cheaper per frame), unless the reader waits for frames a whole
                // deferred block would overshoot the look-ahead for.
                long behind = played + Math.Max(options.AheadFrames, device) - _position;
                frames = behind >= options.DeferredBlockFrames ? options.DeferredBlockFrames : 0;
                if (frames == 0 && behind > 0 && _position < played + device)
                {
                    frames = (int)Math.Min(behind, options.DeferredBlockFrames);
                }
            }

            if (frames <= 0)
            {
                state.Park(seen);
                continue;
            }

            if (!whole && options.DeferredBlockHook is { } hook && !hook.TryBeginDeferredBlock())
            {
                // The launch made after the last deferred block still runs: this block waits, the live pass does not.
                state.Park(seen);
                continue;
            }

            long start = _position;
            bool split = !whole && _current.Hybrid is not null;
            state.NoteMode(start, _current, hybrid: split);
            if (!whole)
            {
                options.BeforeDeferredBlock?.Invoke(start, frames);
            }

            _deferredPass = !whole;
            int done = RenderCore(frames);
            _deferredPass = false;
            if (!whole)
            {
                // A split graph's live pass renders next and must not wait on the hook's work (a GPU launch).
                options.DeferredBlockHook?.DeferredBlockRendered(split || _current.Hybrid is not null);
            }

            state.NeedsWholePass &= !whole;
            int mask = state.Ring[0].Length - 1;
            int at = (int)(start & mask);
            int first = Math.Min(done, state.Ring[0].Length - at);
            for (int c = 0; c < _output.Length; c++)
            {
                _output[c].AsSpan(0, first).CopyTo(state.Ring[c].AsSpan(at));
                _output[c].AsSpan(first, done - first).CopyTo(state.Ring[c]);
            }

            // Publishes the frames now complete: the whole ones at once, a hybrid snapshot's as its live pass renders them.
            RenderLive(state, played + device);
            if (done == 0 && !state.NeedsWholePass)
            {
                // The deferred pass waits for the live pass (a commit hands a live node's instance to the deferred domain).
                state.Park(seen);
                continue;
            }

            if (++blocks == 64)
            {
                allocatedAtWarmUp = GC.GetAllocatedBytesForCurrentThread();
                Volatile.Write(ref state.AllocatedAfterWarmUp, 0);
            }
            else if (blocks > 64 && (blocks & 63) == 0)
            {
                Volatile.Write(ref state.AllocatedAfterWarmUp, GC.GetAllocatedBytesForCurrentThread() - allocatedAtWarmUp);
            }
        }
    }

    /// <summary>
    /// The live pass: from <see cref="RenderAheadState.LivePosition"/> up to what the deferred pass rendered, swapping
    /// snapshots and applying live parameters on their samples. Frames of a hybrid snapshot run its live jobs (up to
    /// <paramref name="target"/>, one device block ahead of the device) and go to the ring; frames rendered whole are
    /// in the ring already. Publishes what the reader may play. Render-ahead thread.
    /// </summary>
    private void RenderLive(RenderAheadState state, long target)
    {
        while (true)
        {
            long live = state.LivePosition;
            while (state.SwapCount > 0 && state.NextSwapSample <= live)
            {
                if (state.TakeSwap() is { } retired)
                {
                    Retire(retired);
                }
            }

            while (state.LiveEventCount > 0 && state.NextLiveEventSample <= live)
            {
                ParameterEvent item = state.TakeLiveEvent();
                item.Snapshot.ParameterValues[item.Index] = item.Value;
            }

            long end = Math.Min(Math.Min(_position, state.NextSwapSample), state.NextLiveEventSample);
            if (live >= _position)
            {
                break;
            }

            if (!state.LiveHybrid)
            {
                state.LivePosition = end;
                continue;
            }

            end = Math.Min(Math.Min(end, target), live + _current.MaxBlockFrames);
            if (end <= live)
            {
                break;
            }

            RenderLiveSegment(state, live, (int)(end - live));
            state.LivePosition = end;
        }

        // Release: the frames are in the ring before the reader sees them counted.
        Volatile.Write(ref state.Written.Value, state.LivePosition);
    }

    /// <summary>
    /// Hands the live pass the changes to live parameters that arrived for a sample the deferred pass has passed (a
    /// change "now" resolves against <see cref="CompletePosition"/>): they land on their sample, or on the live pass's
    /// next frame, instead of waiting for the deferred pass's next block. Render-ahead thread; allocates nothing.
    /// </summary>
    private void ForwardLateLiveEvents(RenderAheadState state)
    {
        DrainIncomingEvents();
        int kept = 0;
        while (_events.Count > 0 && _events.NextSample < _position)
        {
            ParameterEvent item = _events.Pop();
            bool live = item.Lane is null && item.Snapshot.Hybrid is { } plan && plan.ParameterIsLive[item.Index]
                && (ReferenceEquals(item.Snapshot, _current) || ReferenceEquals(item.Snapshot, state.LiveCurrent) || IsPending(item.Snapshot));
            if (!live || !state.TryPushLiveEvent(item))
            {
                state.Held[kept++] = item;
            }
        }

        for (int i = 0; i < kept; i++)
        {
            _events.Push(state.Held[i]);
            state.Held[i] = default;
        }
    }

    /// <summary>Renders a hybrid snapshot's live jobs for [<paramref name="start"/>, + <paramref name="frames"/>) into the ring. Render-ahead thread.</summary>
    private unsafe void RenderLiveSegment(RenderAheadState state, long start, int frames)
    {
        GraphSnapshot snapshot = state.LiveCurrent;
        HybridPlan plan = snapshot.Hybrid!;
        int mask = state.Ring[0].Length - 1;
        int at = (int)(start & mask);
        int first = Math.Min(frames, state.Ring[0].Length - at);
        float* arena = snapshot.Arena.BasePointer;
        int[] boundary = plan.BoundaryOffsets;
        for (int k = 0; k < boundary.Length; k++)
        {
            var destination = new Span<float>(arena + boundary[k], frames);
            state.Boundary[k].AsSpan(at, first).CopyTo(destination);
            state.Boundary[k].AsSpan(0, frames - first).CopyTo(destination[first..]);
        }

        foreach (int job in plan.LiveOrder)
        {
            JobRunner.RunUnmasked(snapshot, job, frames, start);
        }

        for (int c = 0; c < state.Ring.Length; c++)
        {
            ReadOnlySpan<float> source = c < snapshot.OutputChannels ? snapshot.GetOutput(c, frames) : default;
            Span<float> head = state.Ring[c].AsSpan(at, first);
            Span<float> tail = state.Ring[c].AsSpan(0, frames - first);
            if (source.IsEmpty)
            {
                head.Clear();
                tail.Clear();
                continue;
            }

            source[..first].CopyTo(head);
            source[first..].CopyTo(tail);
        }
    }

    /// <summary>
    /// Whether the deferred pass stops at <paramref name="at"/> instead of going on: a controller step is due, a commit
    /// lands a snapshot with live nodes that cannot be split, or one hands an instance the live pass still renders
    /// (behind) to the deferred domain. Render-ahead thread.
    /// </summary>
    private bool StopsDeferredPass(CommitTicket? landing, bool stepDue, long at)
    {
        RenderAheadState state = _ahead!;
        if (stepDue || (landing is not null && !landing.Snapshot.IsDeferrable && landing.Snapshot.Hybrid is null))
        {
            state.NeedsWholePass = true;
            return true;
        }

        return landing is not null && (state.SwapsFull || (state.LivePosition < at && HandsLiveInstanceToDeferred(_current, landing.Snapshot)));
    }

    /// <summary>
    /// Applies <paramref name="item"/> in the deferred pass: a live parameter goes to the live pass, to land on its
    /// sample there; false for a controller event (or a full queue), which the deferred pass leaves for a whole pass.
    /// </summary>
    private bool ApplyInDeferredPass(in ParameterEvent item, long at)
    {
        if (item.Lane is not null)
        {
            return false;
        }

        if (!ReferenceEquals(item.Snapshot, _current) && !IsPending(item.Snapshot))
        {
            _droppedEvents++;
            return true;
        }

        if (item.Snapshot.Hybrid is { } plan && plan.ParameterIsLive[item.Index])
        {
            return _ahead!.TryPushLiveEvent(item);
        }

        item.Snapshot.ParameterValues[item.Index] = item.Value;
        return true;
    }

    /// <summary>Whether a node or bank instance that runs live in <paramref name="old"/> runs deferred in <paramref name="next"/>. Render-ahead thread; allocates nothing.</summary>
    private static bool HandsLiveInstanceToDeferred(GraphSnapshot old, GraphSnapshot next)
    {
        if (old.Hybrid is not { } oldPlan)
        {
            return false;
        }

        // By instance, not by id: a transition keeps an old instance playing under another id ("~old").
        bool[]? nextLive = next.Hybrid?.NodeRunsLive;
        foreach (int j in oldPlan.LiveOrder)
        {
            if (old.Jobs[j].Kind is not (JobKind.Node or JobKind.FeedbackWrite))
            {
                continue;
            }

            AudioNode instance = old.Nodes[old.Jobs[j].NodeIndex];
            for (int n = 0; n < next.Nodes.Length; n++)
            {
                if (ReferenceEquals(next.Nodes[n], instance) && (nextLive is null || !nextLive[n]))
                {
                    return true;
                }
            }
        }

        for (int j = 0; j < old.Jobs.Length; j++)
        {
            if (old.Jobs[j].Kind != JobKind.Bank || !old.JobIsLive[j])
            {
                continue;
            }

            BankProcessor processor = old.BankProcessors[old.Jobs[j].BankIndex];
            for (int b = 0; b < next.Jobs.Length; b++)
            {
                if (next.Jobs[b].Kind == JobKind.Bank && !next.JobIsLive[b] && ReferenceEquals(next.BankProcessors[next.Jobs[b].BankIndex], processor))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private sealed unsafe class RenderAheadState
    {
        public readonly RenderAheadOptions Options;

        // Frames by stream position modulo the capacity (a power of two): written by the render-ahead thread below
        // Written, read by the audio thread from PlayedPosition.
        public readonly float[][] Ring;

        // Audio thread only: the block just played.
        public readonly float[][] Played;

        public PaddedIndex Written;
        public PaddedIndex PlayedPosition;
        public long Underruns;
        public long FirstUnderrunAt = -1;
        public long LastUnderrunAt = -1;

        // Audio thread writes, render-ahead thread reads: the largest read so far (at least the device block is rendered).
        public int Requested;
        public long AllocatedAfterWarmUp = -1;
        public int Stop;
        public Thread? Thread;

        // The render-ahead thread parks on this word (futex); every read bumps it and wakes the thread if it sleeps.
        public readonly int[] WakeWord = GC.AllocateArray<int>(16, pinned: true);

        // Render-ahead thread only: the live pass. It follows the deferred pass's swaps and mode changes (a queue of
        // records by sample) and the live parameters it left (a queue by sample), and reads the boundary ring.
        public long LivePosition;
        public GraphSnapshot LiveCurrent;
        public bool LiveHybrid;
        public bool NeedsWholePass;
        public readonly float[][] Boundary;
        private readonly long[] _swapSample = new long[QueueCapacity];
        private readonly GraphSnapshot?[] _swapSnapshot = new GraphSnapshot?[QueueCapacity];
        private readonly GraphSnapshot?[] _swapRetired = new GraphSnapshot?[QueueCapacity];
        private readonly bool[] _swapHybrid = new bool[QueueCapacity];
        private long _swapHead;
        private long _swapTail;
        private bool _lastHybrid;
        private readonly EventHeap _liveEvents = new(EventCapacity);

        // Late events the deferred pass keeps (ForwardLateLiveEvents), pushed back once the live ones are taken out.
        public readonly ParameterEvent[] Held = new ParameterEvent[EventCapacity];

        public RenderAheadState(RenderAheadOptions options, int channels, int maxBlockFrames, long position, GraphSnapshot current)
        {
            Options = options;
            int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(options.AheadFrames + options.DeferredBlockFrames + maxBlockFrames));
            Ring = new float[channels][];
            Played = new float[channels][];
            for (int c = 0; c < channels; c++)
            {
                Ring[c] = new float[capacity];
                Played[c] = new float[maxBlockFrames];
            }

            Boundary = new float[HybridPlan.MaxBoundaryChannels][];
            for (int k = 0; k < Boundary.Length; k++)
            {
                Boundary[k] = new float[capacity];
            }

            Written.Value = position;
            PlayedPosition.Value = position;
            LivePosition = position;
            LiveCurrent = current;
        }

        public int SwapCount => (int)(_swapTail - _swapHead);

        public bool SwapsFull => _swapTail - _swapHead >= QueueCapacity - 1;

        public long NextSwapSample => _swapTail == _swapHead ? long.MaxValue : _swapSample[_swapHead % QueueCapacity];

        public int LiveEventCount => _liveEvents.Count;

        public long NextLiveEventSample => _liveEvents.NextSample;

        /// <summary>Deferred pass: from <paramref name="sample"/> on, <paramref name="snapshot"/> plays, split (hybrid) or whole; the live pass retires <paramref name="retired"/> there.</summary>
        public void PushSwap(long sample, GraphSnapshot snapshot, bool hybrid, GraphSnapshot? retired)
        {
            long slot = _swapTail % QueueCapacity;
            _swapSample[slot] = sample;
            _swapSnapshot[slot] = snapshot;
            _swapHybrid[slot] = hybrid;
            _swapRetired[slot] = retired;
            _swapTail++;
            _lastHybrid = hybrid;
        }

        /// <summary>Deferred pass, before each block: records a change between split and whole rendering.</summary>
        public void NoteMode(long sample, GraphSnapshot snapshot, bool hybrid)
        {
            if (hybrid != _lastHybrid)
            {
                PushSwap(sample, snapshot, hybrid, retired: null);
            }
        }

        /// <summary>Live pass: takes the next record; returns the snapshot it retires, if any.</summary>
        public GraphSnapshot? TakeSwap()
        {
            long slot = _swapHead % QueueCapacity;
            LiveCurrent = _swapSnapshot[slot]!;
            LiveHybrid = _swapHybrid[slot];
            GraphSnapshot? retired = _swapRetired[slot];
            _swapSnapshot[slot] = null;
            _swapRetired[slot] = null;
            _swapHead++;
            return retired;
        }

        /// <summary>Deferred pass: leaves a live parameter's change for the live pass to apply on its sample (on the live pass's next frame if that has passed); false if the queue is full.</summary>
        public bool TryPushLiveEvent(in ParameterEvent item)
        {
            if (_liveEvents.IsFull)
            {
                return false;
            }

            _liveEvents.Push(item);
            return true;
        }

        /// <summary>Live pass: takes the next live parameter change.</summary>
        public ParameterEvent TakeLiveEvent() => _liveEvents.Pop();

        /// <summary>Deferred pass: copies the boundary of <paramref name="snapshot"/> for [<paramref name="start"/>, + <paramref name="frames"/>) into the boundary ring.</summary>
        public void WriteBoundary(GraphSnapshot snapshot, HybridPlan plan, long start, int frames)
        {
            int mask = Boundary[0].Length - 1;
            int at = (int)(start & mask);
            int first = Math.Min(frames, Boundary[0].Length - at);
            int[] offsets = plan.BoundaryOffsets;
            for (int k = 0; k < offsets.Length; k++)
            {
                var source = new ReadOnlySpan<float>(snapshot.Arena.BasePointer + offsets[k], frames);
                source[..first].CopyTo(Boundary[k].AsSpan(at));
                source[first..].CopyTo(Boundary[k]);
            }
        }

        /// <summary>Audio thread (or the control thread stopping it): bumps the word and wakes the render-ahead thread if it is parked.</summary>
        public void Wake()
        {
            // Interlocked: a full fence, so the parked flag read below is not reordered before the bump.
            Interlocked.Increment(ref WakeWord[0]);
            if (Volatile.Read(ref WakeWord[8]) != 0)
            {
                fixed (int* word = &WakeWord[0])
                {
                    Futex.Wake(word, 1);
                }
            }
        }

        /// <summary>Render-ahead thread: sleeps until the word moves past <paramref name="seen"/> (or about 20 ms).</summary>
        public void Park(int seen)
        {
            // Interlocked: a full fence, so the waker that bumps the word after this sees the flag and wakes us;
            // the kernel compares the word atomically, so a bump in between is never slept through.
            Interlocked.Exchange(ref WakeWord[8], 1);
            fixed (int* word = &WakeWord[0])
            {
                Futex.Wait(word, seen);
            }

            Volatile.Write(ref WakeWord[8], 0);
        }
    }
}
