using LiveEngine.Time;

namespace LiveEngine.Patterns;

/// <summary>
/// Strudel's time-seeded random signal (its default "legacy" generator, signal.mjs): the value at time t is a
/// xorshift of t's place in a 300-cycle period. Deterministic: the same pattern degrades the same events every
/// time, here and in Strudel.
/// </summary>
/// <remarks>
/// Design: a bit-for-bit port of <c>__timeToIntSeed</c>, <c>__xorwise</c> and <c>__intSeedToRand</c> in
/// @strudel/core signal.mjs. JavaScript's numbers are IEEE doubles and its shifts work on 32-bit ints, so the
/// same steps in double and int give the same value. The time is first turned into a double the way fraction.js
/// does (<c>Number(s*n) / Number(d)</c>).
/// </remarks>
public static class StrudelRandom
{
    /// <summary>Mini-notation's offset between random streams: the n-th <c>?</c> or <c>|</c> reads the signal 0.0003·n cycles early.</summary>
    public static Fraction SeedOffset(int seed) => Fraction.Create(3L * seed, 10_000);

    /// <summary>The random value in [0, 1) at time <paramref name="cycles"/>.</summary>
    public static double At(Fraction cycles)
    {
        double time = (double)cycles.Numerator / cycles.Denominator;
        double scaled = time / 300;
        double fraction = scaled - Math.Truncate(scaled);
        int seed = Xorwise((int)Math.Truncate(fraction * 536_870_912));
        return Math.Abs((seed % 536_870_912) / 536_870_912.0);
    }

    public static Pattern<double> Signal() => Patterns.Signal(At);

    private static int Xorwise(int x)
    {
        int a = (x << 13) ^ x;
        int b = (a >> 17) ^ a;
        return (b << 5) ^ b;
    }
}
