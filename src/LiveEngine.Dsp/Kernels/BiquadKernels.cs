using System.Runtime.CompilerServices;

namespace LiveEngine.Dsp.Kernels;

/// <summary>The memory of one transposed direct form II biquad, in double like its coefficients.</summary>
public struct BiquadState
{
    public double Z1;
    public double Z2;

    public void FlushDenormals()
    {
        Z1 = DenormalGrid.Flush(Z1);
        Z2 = DenormalGrid.Flush(Z2);
    }
}

/// <summary>
/// Transposed direct form II biquad: y = b0 x + z1; z1 = b1 x - a1 y + z2; z2 = b2 x - a2 y.
/// Scalar only: each output depends on the previous one, so there is nothing for SIMD across time, and
/// across channels (stereo at most, in separate buffers) the gathers would cost what the lanes save.
/// </summary>
public static class BiquadKernels
{
    /// <summary>Filters with fixed coefficients.</summary>
    public static void Process(in BiquadCoefficients c, ref BiquadState state, ReadOnlySpan<float> input, Span<float> output)
    {
        double z1 = state.Z1;
        double z2 = state.Z2;
        for (int i = 0; i < input.Length; i++)
        {
            Step(c, input[i], ref z1, ref z2, out output[i]);
        }

        state.Z1 = z1;
        state.Z2 = z2;
    }

    /// <summary>Filters with one set of coefficients per frame (while a parameter glides).</summary>
    public static void Process(ReadOnlySpan<BiquadCoefficients> coefficients, ref BiquadState state, ReadOnlySpan<float> input, Span<float> output)
    {
        double z1 = state.Z1;
        double z2 = state.Z2;
        for (int i = 0; i < input.Length; i++)
        {
            Step(coefficients[i], input[i], ref z1, ref z2, out output[i]);
        }

        state.Z1 = z1;
        state.Z2 = z2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(in BiquadCoefficients c, float input, ref double z1, ref double z2, out float output)
    {
        double x = input;
        double y = (c.B0 * x) + z1;
        z1 = (c.B1 * x) - (c.A1 * y) + z2;
        z2 = (c.B2 * x) - (c.A2 * y);
        output = (float)y;
    }
}
