using LiveEngine.Scheduling;

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

    /// <summary>Blocks the device asked for before render-ahead had them: played as silence, the stream paused for them. Any thread.</summary>
    public long RenderAheadUnderruns => _ahead is { } ahead ? Volatile.Read(ref ahead.Underruns) : 0;

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

        var state = new RenderAheadState(options, _output.Length, _current.MaxBlockFrames, _position);
        _ahead = state;
        state.Thread = new Thread(() => RunAhead(state)) { IsBackground = true, Name = "liveengine render-ahead" };
        state.Thread.Start();
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

                state.Underruns++;
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

    /// <summary>The render-ahead thread: renders while it is behind its target, parks when it is not.</summary>
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
            bool deferred = IsDeferredNow();
            int device = Math.Max(options.DeviceBlockFrames, Volatile.Read(ref state.Requested));
            long target = played + (deferred ? Math.Max(options.AheadFrames, device) : device);
            long behind = target - _position;

            // Deferred: whole large blocks only (each is cheaper per frame); live: exactly what the device needs next.
            int frames = deferred ? (behind >= options.DeferredBlockFrames ? options.DeferredBlockFrames : 0) : (int)Math.Min(behind, device);
            if (deferred && frames == 0 && behind > 0 && _position < played + device)
            {
                // The reader waits for frames a whole deferred block would overshoot the look-ahead for.
                frames = (int)Math.Min(behind, options.DeferredBlockFrames);
            }
            if (frames <= 0)
            {
                state.Park(seen);
                continue;
            }

            long start = _position;
            RenderCore(frames);
            if (deferred)
            {
                options.DeferredBlockRendered?.Invoke();
            }

            int mask = state.Ring[0].Length - 1;
            int at = (int)(start & mask);
            int first = Math.Min(frames, state.Ring[0].Length - at);
            for (int c = 0; c < _output.Length; c++)
            {
                _output[c].AsSpan(0, first).CopyTo(state.Ring[c].AsSpan(at));
                _output[c].AsSpan(first, frames - first).CopyTo(state.Ring[c]);
            }

            // Release: the frames are in the ring before the reader sees them counted.
            Volatile.Write(ref state.Written.Value, start + frames);
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

    /// <summary>Whether the stream from the render position on may be rendered ahead: no live node plays, no controller is bound. Render thread.</summary>
    private bool IsDeferredNow() => _current.IsDeferrable && _lanes.BoundCount == 0;

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

        // Audio thread writes, render-ahead thread reads: the largest read so far (at least the device block is rendered).
        public int Requested;
        public long AllocatedAfterWarmUp = -1;
        public int Stop;
        public Thread? Thread;

        // The render-ahead thread parks on this word (futex); every read bumps it and wakes the thread if it sleeps.
        public readonly int[] WakeWord = GC.AllocateArray<int>(16, pinned: true);

        public RenderAheadState(RenderAheadOptions options, int channels, int maxBlockFrames, long position)
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

            Written.Value = position;
            PlayedPosition.Value = position;
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
