namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The running segments of a bank's envelopes in structure-of-arrays form, one entry per lane (a multiple of 16):
/// what <see cref="AdsrBankKernels"/> advances across lanes. Every stage is one of two forms: the attack,
/// start + (1 - start)·position / length, where <see cref="AttackMask"/> is all ones, and otherwise the discharge
/// curve start - span·((1 - curve)·scale), curve ×= ratio each frame. A held level (idle, sustain) is the curve form
/// with span 0. Sized at creation; audio thread only after.
/// </summary>
public sealed class AdsrBankLanes
{
    public AdsrBankLanes(int width)
    {
        Width = width;
        Start = new double[width];
        Span = new double[width];
        Position = new double[width];
        Length = new double[width];
        Curve = new double[width];
        Ratio = new double[width];
        AttackMask = new long[width];
        for (int lane = 0; lane < width; lane++)
        {
            Hold(lane, 0.0);
        }
    }

    /// <summary>Lanes, a multiple of 16.</summary>
    public int Width { get; }

    /// <summary>The segment's start value.</summary>
    public double[] Start { get; }

    /// <summary>Start minus target of a curve segment (0 for a held level).</summary>
    public double[] Span { get; }

    /// <summary>Frames of the attack already rendered (the kernel advances it).</summary>
    public double[] Position { get; }

    /// <summary>The attack's length in frames (1 where unused).</summary>
    public double[] Length { get; }

    /// <summary>The running product e^(-Curvature·m/length) of a curve segment (the kernel advances it; 1 where unused).</summary>
    public double[] Curve { get; }

    /// <summary>The curve's factor per frame (1 where unused).</summary>
    public double[] Ratio { get; }

    /// <summary>-1 (all bits) for a lane in its attack, 0 otherwise.</summary>
    public long[] AttackMask { get; }

    /// <summary>A lane that holds <paramref name="value"/> (idle at 0, or sustaining).</summary>
    public void Hold(int lane, double value) => SetCurve(lane, value, 0.0, 1.0, 1.0);

    /// <summary>A lane in its attack from <paramref name="start"/>, <paramref name="position"/> frames of <paramref name="length"/> done.</summary>
    public void SetAttack(int lane, double start, int position, int length)
    {
        Start[lane] = start;
        Span[lane] = 0.0;
        Position[lane] = position;
        Length[lane] = length;
        Curve[lane] = 1.0;
        Ratio[lane] = 1.0;
        AttackMask[lane] = -1;
    }

    /// <summary>A lane on a discharge curve from <paramref name="start"/> with the given span, curve and ratio.</summary>
    public void SetCurve(int lane, double start, double span, double curve, double ratio)
    {
        Start[lane] = start;
        Span[lane] = span;
        Position[lane] = 0.0;
        Length[lane] = 1.0;
        Curve[lane] = curve;
        Ratio[lane] = ratio;
        AttackMask[lane] = 0;
    }
}
