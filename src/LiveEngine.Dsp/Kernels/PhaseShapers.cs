using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

// The shapers are exact per lane: integer operations, int-to-float conversion (round to nearest in every
// form) and float multiplies and adds in one fixed order, never fused. So each vector width gives the
// scalar form's bits.

/// <summary>
/// sin(2π·phase / 2^32). The phase is folded in integers into [-1/4, 1/4] of a period (exact), then an odd
/// Taylor polynomial of degree 11 in x = folded / 2^31 gives sin(πx): truncation error below 6e-8 on
/// |x| ≤ 1/2, so the result is within a few float ulps of the true sine.
/// </summary>
public readonly struct SineShaper : IPhaseShaper
{
    private const float Scale = 1f / 2147483648f;
    private const float C1 = 3.14159265358979f;
    private const float C3 = -5.16771278004997f;
    private const float C5 = 2.55016403987735f;
    private const float C7 = -0.599264529320792f;
    private const float C9 = 0.0821458866111282f;
    private const float C11 = -0.00737043094571435f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(uint phase, uint argument)
    {
        int i = (int)phase;
        int folded = i + 0x40000000 < 0 ? int.MinValue - i : i;
        float x = folded * Scale;
        float x2 = x * x;
        return (((((((((((C11 * x2) + C9) * x2) + C7) * x2) + C5) * x2) + C3) * x2) + C1) * x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument)
    {
        Vector128<int> i = phase.AsInt32();
        Vector128<int> fold = Vector128.ShiftRightArithmetic(i + Vector128.Create(0x40000000), 31);
        Vector128<float> x = Vector128.ConvertToSingle(Vector128.ConditionalSelect(fold, Vector128.Create(int.MinValue) - i, i)) * Vector128.Create(Scale);
        Vector128<float> x2 = x * x;
        return (((((((((((Vector128.Create(C11) * x2) + Vector128.Create(C9)) * x2) + Vector128.Create(C7)) * x2) + Vector128.Create(C5)) * x2) + Vector128.Create(C3)) * x2) + Vector128.Create(C1)) * x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument)
    {
        Vector256<int> i = phase.AsInt32();
        Vector256<int> fold = Vector256.ShiftRightArithmetic(i + Vector256.Create(0x40000000), 31);
        Vector256<float> x = Vector256.ConvertToSingle(Vector256.ConditionalSelect(fold, Vector256.Create(int.MinValue) - i, i)) * Vector256.Create(Scale);
        Vector256<float> x2 = x * x;
        return (((((((((((Vector256.Create(C11) * x2) + Vector256.Create(C9)) * x2) + Vector256.Create(C7)) * x2) + Vector256.Create(C5)) * x2) + Vector256.Create(C3)) * x2) + Vector256.Create(C1)) * x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument)
    {
        Vector512<int> i = phase.AsInt32();
        Vector512<int> fold = Vector512.ShiftRightArithmetic(i + Vector512.Create(0x40000000), 31);
        Vector512<float> x = Vector512.ConvertToSingle(Vector512.ConditionalSelect(fold, Vector512.Create(int.MinValue) - i, i)) * Vector512.Create(Scale);
        Vector512<float> x2 = x * x;
        return (((((((((((Vector512.Create(C11) * x2) + Vector512.Create(C9)) * x2) + Vector512.Create(C7)) * x2) + Vector512.Create(C5)) * x2) + Vector512.Create(C3)) * x2) + Vector512.Create(C1)) * x);
    }
}

/// <summary>The naive (aliasing) saw: -1 at phase 0 rising to just below +1; the step down is at the wrap.</summary>
public readonly struct SawShaper : IPhaseShaper
{
    private const float Scale = 1f / 2147483648f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(uint phase, uint argument) => (int)(phase ^ 0x80000000u) * Scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument) =>
        Vector128.ConvertToSingle((phase ^ Vector128.Create(0x80000000u)).AsInt32()) * Vector128.Create(Scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument) =>
        Vector256.ConvertToSingle((phase ^ Vector256.Create(0x80000000u)).AsInt32()) * Vector256.Create(Scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument) =>
        Vector512.ConvertToSingle((phase ^ Vector512.Create(0x80000000u)).AsInt32()) * Vector512.Create(Scale);
}

/// <summary>The naive pulse: +1 while phase &lt; argument (the pulse width as a phase), else -1.</summary>
public readonly struct SquareShaper : IPhaseShaper
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(uint phase, uint argument) => phase < argument ? 1f : -1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument) =>
        Vector128.ConditionalSelect(Vector128.LessThan(phase, argument).AsSingle(), Vector128<float>.One, Vector128.Create(-1f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument) =>
        Vector256.ConditionalSelect(Vector256.LessThan(phase, argument).AsSingle(), Vector256<float>.One, Vector256.Create(-1f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument) =>
        Vector512.ConditionalSelect(Vector512.LessThan(phase, argument).AsSingle(), Vector512<float>.One, Vector512.Create(-1f));
}

/// <summary>The naive triangle 2·|saw| - 1: +1 at phase 0 (a corner), -1 at half a period (the other corner).</summary>
public readonly struct TriangleShaper : IPhaseShaper
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(uint phase, uint argument) => (MathF.Abs(SawShaper.Invoke(phase, argument)) * 2f) - 1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument) =>
        (Vector128.Abs(SawShaper.Invoke(phase, argument)) * Vector128.Create(2f)) - Vector128<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument) =>
        (Vector256.Abs(SawShaper.Invoke(phase, argument)) * Vector256.Create(2f)) - Vector256<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument) =>
        (Vector512.Abs(SawShaper.Invoke(phase, argument)) * Vector512.Create(2f)) - Vector512<float>.One;
}
