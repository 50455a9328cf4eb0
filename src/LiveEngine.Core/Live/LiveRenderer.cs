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
public sealed class LiveRenderer
{
    /// <summary>Commits that may be pending at once.</summary>
    public const int QueueCapacity = 256;

    private readonly IGraphExecutor _executor;
    private readonly float[][] _output;

    // Control thread → audio thread: pending commits, in commit order.
    private readonly CommitTicket?[] _pending = new CommitTicket?[QueueCapacity];
    private PaddedIndex _pendingHead;
    private PaddedIndex _pendingTail;

    // Audio thread → control thread: snapshots that were replaced.
    private readonly GraphSnapshot?[] _retired = new GraphSnapshot?[QueueCapacity];
    private PaddedIndex _retiredHead;
    private PaddedIndex _retiredTail;

    // Audio thread only.
    private GraphSnapshot _current;
    private long _position;
    private long _droppedRetirements;

    // Written by the audio thread, read by the control thread.
    private PaddedIndex _publishedPosition;

    internal LiveRenderer(GraphSnapshot initial, IGraphExecutor executor, int outputChannels)
    {
        _current = initial;
        _executor = executor;
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

    /// <summary>Replaced snapshots that could not be queued for release (queue full); they are left to the GC.</summary>
    public long DroppedRetirements => Interlocked.Read(ref _droppedRetirements);

    /// <summary>Output channel <paramref name="channel"/> of the last block rendered.</summary>
    public ReadOnlySpan<float> Output(int channel, int frames) => _output[channel].AsSpan(0, frames);

    /// <summary>Renders the next <paramref name="frames"/> frames. Audio thread only.</summary>
    public void Render(int frames)
    {
        Debug.Assert(frames >= 1 && frames <= _current.MaxBlockFrames, "Block larger than the session's maximum block size: split it.");
        int done = 0;
        while (done < frames)
        {
            CommitTicket? next = PeekPending();
            if (next is not null)
            {
                // A commit whose time has passed (published late) lands at the first frame not yet rendered.
                long at = Math.Max(next.CommitSample, _position + done);
                if (at < _position + frames)
                {
                    int offset = (int)(at - _position);
                    if (offset > done)
                    {
                        RenderSegment(done, offset);
                        done = offset;
                    }

                    Retire(_current);
                    _current = next.Snapshot;
                    DequeuePending();
                    next.MarkApplied(at);
                    continue;
                }
            }

            RenderSegment(done, frames);
            done = frames;
        }

        _position += frames;

        // Release: a control thread that reads the new position sees every swap made before it.
        Volatile.Write(ref _publishedPosition.Value, _position);
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

    private CommitTicket? PeekPending()
    {
        long head = _pendingHead.Value;
        return head == Volatile.Read(ref _pendingTail.Value) ? null : _pending[head % QueueCapacity];
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
