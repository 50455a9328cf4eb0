namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// An attack-decay-sustain-release envelope, 0..1, exact to the frame. With the gate rising at frame 0 and
/// starting from 0: frame n &lt; A of the attack is n / A (linear), frame A is exactly 1 and starts the decay,
/// frame A + D is exactly the sustain level; with the gate falling at frame g the release starts at frame g
/// from the value the envelope had there and frame g + R is exactly 0.
/// </summary>
/// <remarks>
/// Decay and release are exponential, the discharge curve of 5 time constants pulled down so that it ends
/// exactly on the target: shape(x) = (e^(-5x) - e^(-5)) / (1 - e^(-5)) for x = m / length. The exponential is a
/// running product in double (drift below 1e-9 after a minute at 192 kHz), so the curve needs no exp per frame
/// and the values depend only on the frame count, never on the block split.
/// <para>
/// Gate changes apply at the frame <see cref="Render"/> has reached: render up to an event's frame, call
/// <see cref="SetGate"/>, render on. Owned by one node: not thread-safe.
/// </para>
/// </remarks>
public struct AdsrEnvelope
{
    /// <summary>Time constants in a decay or release segment: its curvature.</summary>
    public const double Curvature = 5.0;

    // 1 / (1 - e^(-Curvature)): normalises the discharge curve so that it ends on its target.
    private static readonly double s_curveScale = 1.0 / (1.0 - Math.Exp(-Curvature));

    private int _attackFrames;
    private int _decayFrames;
    private float _sustain;
    private int _releaseFrames;

    private AdsrStage _stage;
    private bool _gate;
    private int _position;
    private int _length;
    private double _start;
    private double _target;
    private double _curve;
    private double _curveRatio;

    public readonly AdsrStage Stage => _stage;

    /// <summary>1 / (1 - e^(-Curvature)): what the discharge curve is scaled by so that it ends on its target.</summary>
    internal static double CurveScale => s_curveScale;

    public readonly bool Gate => _gate;

    /// <summary>Sets the segment lengths and sustain level; a running segment keeps the length it started with.</summary>
    public void Configure(int attackFrames, int decayFrames, float sustain, int releaseFrames)
    {
        _attackFrames = Math.Max(0, attackFrames);
        _decayFrames = Math.Max(0, decayFrames);
        _sustain = Math.Clamp(sustain, 0f, 1f);
        _releaseFrames = Math.Max(0, releaseFrames);
    }

    /// <summary>Opens (attack from the current value) or closes (release from the current value) the gate at the next frame.</summary>
    public void SetGate(bool open)
    {
        if (open == _gate)
        {
            return;
        }

        _gate = open;
        double value = NextValue();
        if (open)
        {
            EnterAttack(value);
        }
        else if (_stage != AdsrStage.Idle)
        {
            EnterRelease(value);
        }
    }

    /// <summary>Writes the next <paramref name="destination"/>.Length frames of the envelope.</summary>
    public void Render(Span<float> destination)
    {
        int i = 0;
        while (i < destination.Length)
        {
            switch (_stage)
            {
                case AdsrStage.Idle:
                    destination[i..].Clear();
                    return;
                case AdsrStage.Sustain:
                    destination[i..].Fill(_sustain);
                    return;
                case AdsrStage.Attack:
                    {
                        int run = Math.Min(destination.Length - i, _length - _position);
                        for (int k = 0; k < run; k++)
                        {
                            destination[i + k] = (float)(_start + ((1.0 - _start) * (_position + k) / _length));
                        }

                        i += run;
                        _position += run;
                        if (_position == _length)
                        {
                            EnterDecay();
                        }

                        break;
                    }

                default:
                    {
                        // Decay and release: value = target + (start - target) · shape, written as
                        // start - (start - target) · (1 - shape) so that frame 0 is exactly the start.
                        int run = Math.Min(destination.Length - i, _length - _position);
                        double span = _start - _target;
                        for (int k = 0; k < run; k++)
                        {
                            destination[i + k] = (float)(_start - (span * ((1.0 - _curve) * s_curveScale)));
                            _curve *= _curveRatio;
                        }

                        i += run;
                        _position += run;
                        if (_position == _length)
                        {
                            if (_stage == AdsrStage.Decay)
                            {
                                EnterSustain();
                            }
                            else
                            {
                                _stage = AdsrStage.Idle;
                            }
                        }

                        break;
                    }
            }
        }
    }

    /// <summary>
    /// For a voice bank: writes the running segment into lane <paramref name="lane"/> of <paramref name="lanes"/> and
    /// returns the frames left in it (<see cref="int.MaxValue"/> for idle and sustain, which do not end by themselves).
    /// </summary>
    internal readonly int StoreLane(AdsrBankLanes lanes, int lane)
    {
        switch (_stage)
        {
            case AdsrStage.Attack:
                lanes.SetAttack(lane, _start, _position, _length);
                return _length - _position;
            case AdsrStage.Decay:
            case AdsrStage.Release:
                lanes.SetCurve(lane, _start, _start - _target, _curve, _curveRatio);
                return _length - _position;
            case AdsrStage.Sustain:
                lanes.Hold(lane, _sustain);
                return int.MaxValue;
            default:
                lanes.Hold(lane, 0.0);
                return int.MaxValue;
        }
    }

    /// <summary>
    /// For a voice bank, after <see cref="AdsrBankKernels"/> rendered <paramref name="frames"/> frames of the lane (no
    /// more than were left in its segment): takes the advanced curve and moves on as <see cref="Render"/> does, into
    /// the next segment where this one ended.
    /// </summary>
    internal void AdvanceLane(AdsrBankLanes lanes, int lane, int frames)
    {
        if (_stage is AdsrStage.Idle or AdsrStage.Sustain)
        {
            return;
        }

        if (_stage != AdsrStage.Attack)
        {
            _curve = lanes.Curve[lane];
        }

        _position += frames;
        if (_position == _length)
        {
            switch (_stage)
            {
                case AdsrStage.Attack:
                    EnterDecay();
                    break;
                case AdsrStage.Decay:
                    EnterSustain();
                    break;
                default:
                    _stage = AdsrStage.Idle;
                    break;
            }
        }
    }

    /// <summary>Back to idle with the gate closed.</summary>
    public void Reset()
    {
        _stage = AdsrStage.Idle;
        _gate = false;
        _position = 0;
    }

    /// <summary>The value the next frame would have if nothing changed.</summary>
    private readonly double NextValue() => _stage switch
    {
        AdsrStage.Attack => _start + ((1.0 - _start) * _position / _length),
        AdsrStage.Decay or AdsrStage.Release => _start - ((_start - _target) * ((1.0 - _curve) * s_curveScale)),
        AdsrStage.Sustain => _sustain,
        _ => 0.0,
    };

    private void EnterAttack(double from)
    {
        if (_attackFrames == 0)
        {
            EnterDecay();
            return;
        }

        _stage = AdsrStage.Attack;
        _start = from;
        _position = 0;
        _length = _attackFrames;
    }

    private void EnterDecay()
    {
        if (_decayFrames == 0)
        {
            EnterSustain();
            return;
        }

        EnterCurve(AdsrStage.Decay, 1.0, _sustain, _decayFrames);
    }

    private void EnterSustain()
    {
        _stage = AdsrStage.Sustain;
        _position = 0;
    }

    private void EnterRelease(double from)
    {
        if (_releaseFrames == 0)
        {
            _stage = AdsrStage.Idle;
            return;
        }

        EnterCurve(AdsrStage.Release, from, 0.0, _releaseFrames);
    }

    private void EnterCurve(AdsrStage stage, double from, double to, int length)
    {
        _stage = stage;
        _start = from;
        _target = to;
        _position = 0;
        _length = length;
        _curve = 1.0;
        _curveRatio = Math.Exp(-Curvature / length);
    }
}
