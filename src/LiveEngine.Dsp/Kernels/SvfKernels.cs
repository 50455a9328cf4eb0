using System.Runtime.CompilerServices;

namespace LiveEngine.Dsp.Kernels;

/// <summary>The two integrator states of the SVF (ic1eq, ic2eq in Simper's notation), in double.</summary>
public struct SvfState
{
    public double Ic1;
    public double Ic2;

    public void FlushDenormals()
    {
        Ic1 = DenormalGrid.Flush(Ic1);
        Ic2 = DenormalGrid.Flush(Ic2);
    }
}

/// <summary>
/// The SVF low-pass, per sample. Scalar only, for the reason <see cref="BiquadKernels"/> gives. Double state:
/// the same cost as float on scalar x64 code and no noise build-up at low cutoffs.
/// </summary>
public static class SvfKernels
{
    public static void LowPass(in SvfCoefficients c, ref SvfState state, ReadOnlySpan<float> input, Span<float> output)
    {
        double ic1 = state.Ic1;
        double ic2 = state.Ic2;
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = Step(c, input[i], ref ic1, ref ic2);
        }

        state.Ic1 = ic1;
        state.Ic2 = ic2;
    }

    public static void LowPass(ReadOnlySpan<SvfCoefficients> coefficients, ref SvfState state, ReadOnlySpan<float> input, Span<float> output)
    {
        double ic1 = state.Ic1;
        double ic2 = state.Ic2;
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = Step(coefficients[i], input[i], ref ic1, ref ic2);
        }

        state.Ic1 = ic1;
        state.Ic2 = ic2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Step(in SvfCoefficients c, float input, ref double ic1, ref double ic2)
    {
        double v3 = input - ic2;
        double v1 = (c.A1 * ic1) + (c.A2 * v3);
        double v2 = ic2 + (c.A2 * ic1) + (c.A3 * v3);
        ic1 = (2.0 * v1) - ic1;
        ic2 = (2.0 * v2) - ic2;
        return (float)v2;
    }
}
