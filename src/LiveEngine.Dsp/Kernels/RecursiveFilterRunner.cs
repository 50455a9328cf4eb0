using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Kernels;

/// <summary>A recursive filter kernel (one channel, state carried between calls) for <see cref="RecursiveFilterRunner"/>.</summary>
public interface IRecursiveFilterKernel<TCoefficients, TState>
    where TState : struct
{
    /// <summary>Filters with fixed coefficients.</summary>
    static abstract void Process(in TCoefficients coefficients, ref TState state, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Filters with one set of coefficients per frame (while a parameter glides).</summary>
    static abstract void Process(ReadOnlySpan<TCoefficients> coefficients, ref TState state, ReadOnlySpan<float> input, Span<float> output);

    static abstract void FlushDenormals(ref TState state);
}

/// <summary>The biquad kernel as an <see cref="IRecursiveFilterKernel{TCoefficients, TState}"/>.</summary>
public readonly struct BiquadFilterKernel : IRecursiveFilterKernel<BiquadCoefficients, BiquadState>
{
    public static void Process(in BiquadCoefficients coefficients, ref BiquadState state, ReadOnlySpan<float> input, Span<float> output) =>
        BiquadKernels.Process(coefficients, ref state, input, output);

    public static void Process(ReadOnlySpan<BiquadCoefficients> coefficients, ref BiquadState state, ReadOnlySpan<float> input, Span<float> output) =>
        BiquadKernels.Process(coefficients, ref state, input, output);

    public static void FlushDenormals(ref BiquadState state) => state.FlushDenormals();
}

/// <summary>The SVF low-pass kernel as an <see cref="IRecursiveFilterKernel{TCoefficients, TState}"/>.</summary>
public readonly struct SvfLowPassKernel : IRecursiveFilterKernel<SvfCoefficients, SvfState>
{
    public static void Process(in SvfCoefficients coefficients, ref SvfState state, ReadOnlySpan<float> input, Span<float> output) =>
        SvfKernels.LowPass(coefficients, ref state, input, output);

    public static void Process(ReadOnlySpan<SvfCoefficients> coefficients, ref SvfState state, ReadOnlySpan<float> input, Span<float> output) =>
        SvfKernels.LowPass(coefficients, ref state, input, output);

    public static void FlushDenormals(ref SvfState state) => state.FlushDenormals();
}

/// <summary>
/// The per-block loop the recursive filter nodes share: every channel, cut into segments at the denormal-flush
/// grid of stream time (so flushing never depends on block boundaries), with fixed or per-frame coefficients.
/// Audio path: allocation-free.
/// </summary>
public static class RecursiveFilterRunner
{
    /// <param name="context">The node's block: input channel c is filtered into output channel c.</param>
    /// <param name="states">One state per channel.</param>
    /// <param name="coefficients">The coefficients when not gliding.</param>
    /// <param name="ramp">Per-frame coefficients for this block while gliding, else empty.</param>
    /// <param name="position">The node's stream position in frames; advanced by the block.</param>
    public static void Run<TKernel, TCoefficients, TState>(in ProcessContext context, TState[] states, in TCoefficients coefficients, ReadOnlySpan<TCoefficients> ramp, ref long position)
        where TKernel : struct, IRecursiveFilterKernel<TCoefficients, TState>
        where TState : struct
    {
        int frames = context.Frames;
        bool gliding = !ramp.IsEmpty;
        for (int c = 0; c < states.Length; c++)
        {
            ReadOnlySpan<float> input = context.Input(c);
            Span<float> output = context.Output(c);
            ref TState state = ref states[c];
            for (int start = 0; start < frames;)
            {
                int end = DenormalGrid.SegmentEnd(position, start, frames, out bool flush);
                if (gliding)
                {
                    TKernel.Process(ramp[start..end], ref state, input[start..end], output[start..end]);
                }
                else
                {
                    TKernel.Process(coefficients, ref state, input[start..end], output[start..end]);
                }

                if (flush)
                {
                    TKernel.FlushDenormals(ref state);
                }

                start = end;
            }
        }

        position += frames;
    }
}
