using LiveEngine.Snapshots;

namespace LiveEngine.Live;

/// <summary>
/// The render thread's side of controller bindings: per lane, the binding it follows (<see cref="ControllerLane"/>),
/// soft takeover and smoothing state. Moves arrive as <see cref="ParameterEvent"/>s through the renderer's event ring
/// and are applied on their exact sample; a smoothed lane's value is the one-pole
/// <c>y[n] = y[n−1] + (target − y[n−1])·(1 − a)</c>, <c>a = e^(−1/(τ·rate))</c>, evaluated in closed form for any
/// sample (<c>target + (start − target)·a^(n − n₀)</c>) and written to the parameter on every sample that is a multiple
/// of <see cref="SmoothingStepFrames"/> (the renderer splits its block there), so the result does not depend on the
/// block size. Soft takeover compares the move with the one parameter value it drives, read from the playing snapshot.
/// Audio thread only (counters readable anywhere); fixed arrays, nothing allocated, no lock.
/// </summary>
internal sealed class ControllerLanes
{
    /// <summary>A smoothed lane writes its parameter on every sample that is a multiple of this (0.67 ms at 48 kHz).</summary>
    public const int SmoothingStepFrames = 32;

    private readonly LaneState[] _lanes = new LaneState[ControllerLane.Capacity];
    private readonly long[] _lastMoveSample = new long[ControllerLane.Capacity];
    private readonly double _sampleRate;
    private int _smoothing;
    private long _nextStep = long.MaxValue;
    private long _held;
    private long _stale;
    private int _bound;

    public ControllerLanes(int sampleRate)
    {
        _sampleRate = sampleRate;
        _lastMoveSample.AsSpan().Fill(-1);
    }

    /// <summary>The next sample on which smoothed lanes write (<see cref="long.MaxValue"/> when none smooths).</summary>
    public long NextStepSample => _nextStep;

    /// <summary>Moves ignored by soft takeover. Any thread.</summary>
    public long HeldBySoftTakeover => Volatile.Read(ref _held);

    /// <summary>Moves made for a binding that was replaced before they landed. Any thread.</summary>
    public long StaleMoves => Volatile.Read(ref _stale);

    /// <summary>The sample on which lane <paramref name="lane"/>'s last move was applied (held ones too), or −1. Any thread.</summary>
    public long LastMoveSample(int lane) => Volatile.Read(ref _lastMoveSample[lane]);

    /// <summary>Lanes bound now. Render thread.</summary>
    public int BoundCount => _bound;

    /// <summary>(Re)binds a lane: soft takeover must pick the value up again and smoothing stops where it is.</summary>
    public void Bind(ControllerLane lane)
    {
        ref LaneState state = ref _lanes[lane.Index];
        if (state.Smoothing)
        {
            StopSmoothing();
        }

        _bound -= state.Binding is null ? 0 : 1;
        state = default;
        if (!lane.IsFree)
        {
            _bound++;
            state.Binding = lane;
            state.Decay = lane.SmoothingMs > 0 ? Math.Exp(-1000 / (lane.SmoothingMs * _sampleRate)) : 0;
        }
    }

    /// <summary>Applies a move on <paramref name="sample"/> to its snapshot (playing, or pending and so carrying it).</summary>
    public void Move(in ParameterEvent item, long sample)
    {
        ControllerLane lane = item.Lane!;
        ref LaneState state = ref _lanes[lane.Index];

        // Release: a control thread that reads the sample reads a complete long.
        Volatile.Write(ref _lastMoveSample[lane.Index], sample);
        if (!ReferenceEquals(state.Binding, lane))
        {
            // Made for a binding that a later (re)bind replaced before the move landed.
            _stale++;
            return;
        }

        float[] values = item.Snapshot.ParameterValues;
        double position = item.Position;
        if (lane.SoftTakeover && !state.PickedUp)
        {
            double at = lane.Unmap(values[item.Index]);
            bool close = Math.Abs(position - at) <= 1.0 / 128;
            bool crossed = state.HasLast && Math.Sign(state.LastPosition - at) != Math.Sign(position - at);
            state.LastPosition = position;
            state.HasLast = true;
            if (!close && !crossed)
            {
                Volatile.Write(ref _held, _held + 1);
                return;
            }

            state.PickedUp = true;
        }

        double value = lane.Map(position);
        if (state.Decay == 0)
        {
            values[item.Index] = (float)value;
            return;
        }

        if (state.Smoothing && ReferenceEquals(state.Snapshot, item.Snapshot) && state.Index == item.Index)
        {
            state.Start = ValueAt(state, sample);
        }
        else
        {
            if (!state.Smoothing)
            {
                _smoothing++;
                state.Smoothing = true;
            }

            // Smoothing starts from what the parameter holds now.
            state.Start = values[item.Index];
        }

        state.Snapshot = item.Snapshot;
        state.Index = item.Index;
        state.Since = sample;
        state.Target = value;
        _nextStep = Math.Min(_nextStep, NextGridSample(sample));
    }

    /// <summary>Writes every smoothed lane's value at <paramref name="sample"/> (a multiple of <see cref="SmoothingStepFrames"/>) into <paramref name="playing"/>.</summary>
    public void Step(long sample, GraphSnapshot playing)
    {
        for (int i = 0; i < _lanes.Length && _smoothing > 0; i++)
        {
            ref LaneState state = ref _lanes[i];
            if (!state.Smoothing)
            {
                continue;
            }

            if (!ReferenceEquals(state.Snapshot, playing))
            {
                // A commit replaced the snapshot: the new one carries the target from its first frame.
                state.Smoothing = false;
                state.Snapshot = null;
                StopSmoothing();
                continue;
            }

            double value = ValueAt(state, sample);
            double tolerance = 1e-6 * Math.Max(1, Math.Abs(state.Target));
            if (Math.Abs(state.Target - value) <= tolerance)
            {
                value = state.Target;
                state.Smoothing = false;
                StopSmoothing();
            }

            playing.ParameterValues[state.Index] = (float)value;
        }

        _nextStep = _smoothing > 0 ? sample + SmoothingStepFrames : long.MaxValue;
    }

    private void StopSmoothing()
    {
        _smoothing--;
        if (_smoothing == 0)
        {
            _nextStep = long.MaxValue;
        }
    }

    private static long NextGridSample(long sample) => ((sample / SmoothingStepFrames) + 1) * SmoothingStepFrames;

    private static double ValueAt(in LaneState state, long sample) =>
        state.Target + ((state.Start - state.Target) * Math.Pow(state.Decay, sample - state.Since));

    private struct LaneState
    {
        public ControllerLane? Binding;
        public double Decay;
        public bool PickedUp;
        public bool HasLast;
        public double LastPosition;
        public bool Smoothing;
        public GraphSnapshot? Snapshot;
        public int Index;
        public double Start;
        public double Target;
        public long Since;
    }
}
