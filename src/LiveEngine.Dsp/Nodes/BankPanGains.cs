using System.Runtime.CompilerServices;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The equal-power gains of a bank's pan stage, per lane, in the banked kernels' layout: fixed per lane
/// (<see cref="Left"/>/<see cref="Right"/> with stride 0) or, while any lane glides, per frame (stride = width).
/// Sized at creation; audio thread only after.
/// </summary>
internal sealed class BankPanGains
{
    private readonly PanNode[] _pans;
    private readonly int _width;
    private readonly bool[] _gliding;
    private readonly float[] _leftFixed;
    private readonly float[] _rightFixed;
    private readonly float[] _leftRamp;
    private readonly float[] _rightRamp;

    // The position whose gains _leftFixed/_rightFixed hold, per lane (NaN: none yet): two sines per lane and block
    // would otherwise cost as much as the rest of the pan. Scratch, not state: a re-formed bank starts empty.
    private readonly float[] _fixedPan;

    public BankPanGains(PanNode[] pans, int width, int maxFrames)
    {
        _pans = pans;
        _width = width;
        _gliding = new bool[pans.Length];
        _leftFixed = new float[width];
        _rightFixed = new float[width];
        _leftRamp = new float[maxFrames * width];
        _rightRamp = new float[maxFrames * width];
        _fixedPan = new float[pans.Length];
        Array.Fill(_fixedPan, float.NaN);
    }

    /// <summary>The left gains of the block prepared last, with <see cref="Stride"/>.</summary>
    public float[] Left { get; private set; } = [];

    public float[] Right { get; private set; } = [];

    /// <summary>0 when every lane holds its position over the block, else the width.</summary>
    public int Stride { get; private set; }

    /// <summary>Reads lane <paramref name="lane"/>'s position for the block; call for every lane, then <see cref="Finish"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Begin(int lane, ReadOnlySpan<float> parameters, int frames)
    {
        int width = _width;
        PanNode pan = _pans[lane];
        _gliding[lane] = pan.BeginBankBlock(parameters, out float position);
        if (_gliding[lane])
        {
            for (int f = 0; f < frames; f++)
            {
                float at = pan.NextBankFrame();
                _leftRamp[(f * width) + lane] = PanNode.LeftGain(at);
                _rightRamp[(f * width) + lane] = PanNode.RightGain(at);
            }
        }
        else if (BitConverter.SingleToInt32Bits(position) != BitConverter.SingleToInt32Bits(_fixedPan[lane]))
        {
            _leftFixed[lane] = PanNode.LeftGain(position);
            _rightFixed[lane] = PanNode.RightGain(position);
            _fixedPan[lane] = position;
        }

        return _gliding[lane];
    }

    /// <summary>Completes the block's gains: <paramref name="anyGliding"/> says whether any <see cref="Begin"/> returned true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Finish(int frames, bool anyGliding)
    {
        int width = _width;
        if (!anyGliding)
        {
            Left = _leftFixed;
            Right = _rightFixed;
            Stride = 0;
            return;
        }

        for (int lane = 0; lane < _pans.Length; lane++)
        {
            if (!_gliding[lane])
            {
                for (int f = 0; f < frames; f++)
                {
                    _leftRamp[(f * width) + lane] = _leftFixed[lane];
                    _rightRamp[(f * width) + lane] = _rightFixed[lane];
                }
            }
        }

        Left = _leftRamp;
        Right = _rightRamp;
        Stride = width;
    }
}
