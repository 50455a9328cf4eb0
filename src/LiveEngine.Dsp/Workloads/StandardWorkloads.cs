using System.Globalization;
using LiveEngine.Graph;

namespace LiveEngine.Dsp.Workloads;

/// <summary>
/// The standard workloads, so that every benchmark, test and peer comparison measures the same
/// graphs: <c>voices-N</c>, <c>chains-MxL</c>, <c>random-layered</c> and <c>session</c>.
/// </summary>
public static partial class StandardWorkloads
{
    /// <summary>Names accepted by <see cref="Create"/>, with typical sizes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["voices-64", "voices-256", "voices-1024", "chains-16x16", "random-layered", "session"];

    /// <summary>Builds the workload called <paramref name="name"/> (for example "voices-256" or "chains-16x16").</summary>
    public static GraphDescription Create(string name, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Plain prefix parsing, not regular expressions: this runs at every render's and bench's start, where loading
        // and compiling the regex engine cost more than building the graph of voices-64.
        if (TryParseCount(name, "voices-", out int voices))
        {
            return Voices(voices);
        }

        if (TryParseCount(name, "trivial-", out int trivial))
        {
            return Trivial(trivial);
        }

        int by = name.IndexOf('x', StringComparison.Ordinal);
        if (by > 0 && TryParseCount(name[..by], "chains-", out int chains) && TryParseDigits(name.AsSpan(by + 1), out int length))
        {
            return Chains(chains, length);
        }

        if (TryParseCount(name, "session-", out int session))
        {
            return Session(session);
        }

        return name switch
        {
            "random-layered" => RandomLayered(seed),
            "session" => Session(),
            _ => throw new ArgumentException($"Unknown workload '{name}'. Known: voices-N, chains-MxL, random-layered, session, session-T, trivial-N (e.g. {string.Join(", ", Names)}).", nameof(name)),
        };
    }

    /// <summary>
    /// N × (band-limited saw → resonant low-pass at 2 kHz, q = 1/0.3 → gain 0.25/√N → equal-power pan) → tree
    /// mix → stereo out. Pitches, pans and levels match tools/peers/scores.scd exactly: the score's amplitude is
    /// 0.5/√N on SuperCollider's <c>Saw</c>, which spans half of our saw's ±1 (<see cref="ScoreSawLevel"/>); the
    /// start phases do not:
    /// voice i starts frac(0.618034·i + 0.0001·i²) periods after its zero crossing (<see cref="StartPhase"/>), so
    /// that the voices of one pitch class (i, i + 48, ... differ by 0.48 % steps) do not start in phase: all at
    /// phase 0, voices-256 peaked at 1.66 and voices-1024 at 3.41 in their first milliseconds.
    /// </summary>
    public static GraphDescription Voices(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var graph = new GraphDescription();
        graph.Add("out", "out");
        double level = ScoreSawLevel * 0.5 / Math.Sqrt(count);
        for (int i = 0; i < count; i++)
        {
            double freq = 55 * Math.Pow(2, (i % 48) / 12.0) * (1 + (0.0001 * i));
            double pan = ((i % 17) / 8.0) - 1;
            string v = "v" + i.ToString(CultureInfo.InvariantCulture);
            graph.Chain(
                graph.Add(v + ".osc", "saw", P(("freqHz", freq), ("phase", StartPhase(i)))),
                graph.Add(v + ".lpf", "rlpf", P(("cutoffHz", 2000), ("q", 1 / 0.3))),
                graph.Add(v + ".gain", "gain", P(("level", level))),
                graph.Add(v + ".pan", "pan", P(("pan", pan))),
                "out");
        }

        return graph;
    }

    /// <summary>
    /// M parallel chains of a saw through L RBJ low-pass biquads in series (3000 + 100·k Hz, q = 1/0.9), panned
    /// and mixed to stereo; pitches, pans and level (the score's 0.05 on SuperCollider's half-scale <c>Saw</c>)
    /// match tools/peers/scores.scd for M ≤ 17.
    /// </summary>
    public static GraphDescription Chains(int chains, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chains, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int m = 0; m < chains; m++)
        {
            string c = "c" + m.ToString(CultureInfo.InvariantCulture);
            string previous = graph.Add(c + ".osc", "saw", P(("freqHz", 55 * Math.Pow(2, (m % 48) / 12.0)), ("level", ScoreSawLevel * 0.05)));
            for (int k = 0; k < length; k++)
            {
                string stage = graph.Add($"{c}.lpf{k}", "lpf", P(("cutoffHz", 3000 + (100 * k)), ("q", 1 / 0.9)));
                graph.Connect(previous, stage);
                previous = stage;
            }

            graph.Chain(previous, graph.Add(c + ".pan", "pan", P(("pan", ((m % 17) / 8.0) - 1))), "out");
        }

        return graph;
    }

    /// <summary>
    /// A seeded random layered DAG of about 1,000 nodes: 20 layers of 25 positions; each position mixes 1 to 3
    /// nodes of the layer before (a mixer with gains 1/√k, which keeps the power of uncorrelated inputs) into a processor whose cost
    /// depends on its type (biquads, SVFs, delays, gains), so the scheduler can be compared with the bound
    /// max(W/P, span).
    /// </summary>
    public static GraphDescription RandomLayered(int seed = 1, int layers = 20, int width = 25)
    {
        var random = new Random(seed);
        var graph = new GraphDescription();
        graph.Add("out", "out");
        string[] kinds = ["lpf", "hpf", "rlpf", "peak", "delay", "gain"];
        var previous = new string[width];
        for (int n = 0; n < width; n++)
        {
            previous[n] = graph.Add($"l0.n{n}", "saw", P(("freqHz", 55 * Math.Pow(2, random.Next(48) / 12.0)), ("level", 0.05)));
        }

        for (int layer = 1; layer < layers; layer++)
        {
            var current = new string[width];
            for (int n = 0; n < width; n++)
            {
                int inputs = 1 + random.Next(3);
                var gains = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int k = 1; k <= inputs; k++)
                {
                    gains["gain" + k.ToString(CultureInfo.InvariantCulture)] = 1.0 / Math.Sqrt(inputs);
                }

                string mix = graph.Add($"l{layer}.n{n}.mix", "mixer", gains, channels: 1);
                for (int k = 1; k <= inputs; k++)
                {
                    graph.Connect(previous[random.Next(width)], mix, toPort: "in" + k.ToString(CultureInfo.InvariantCulture));
                }

                string kind = kinds[random.Next(kinds.Length)];
                current[n] = graph.Add($"l{layer}.n{n}", kind, kind switch
                {
                    "delay" => P(("delayMs", 1 + random.Next(50)), ("feedback", 0.3), ("mix", 0.5)),
                    "gain" => P(("level", 1.5)),
                    _ => P(("cutoffHz", 200 + random.Next(5000)), ("q", 0.7)),
                });
                graph.Connect(mix, current[n]);
            }

            previous = current;
        }

        foreach (string last in previous)
        {
            graph.Chain(last, graph.Add(last + ".pan", "pan", P(("pan", (random.NextDouble() * 2) - 1))), "out");
        }

        return graph;
    }

    /// <summary>
    /// A realistic mix: 32 tracks × (8-voice synth: saw → rlpf → vca with an ADSR → track sum; then a 4-effect
    /// chain: peak EQ → high shelf → delay → pan) → 8 stereo buses → reverb → master (limiter) → out.
    /// <c>session-T</c> has <paramref name="tracks"/> tracks instead (the same mix scaled, for loads near a deadline).
    /// </summary>
    public static GraphDescription Session(int tracks = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tracks, 1);
        int trackCount = tracks;
        const int VoicesPerTrack = 8;
        const int Buses = 8;
        var graph = new GraphDescription();
        graph.Chain(graph.Add("reverb", "reverb", P(("decaySec", 2.5), ("mix", 0.25))), graph.Add("master", "master", channels: 2), graph.Add("out", "out"));
        for (int b = 0; b < Buses; b++)
        {
            graph.Chain(graph.Add($"bus{b}", "gain", P(("level", 0.7)), channels: 2), "reverb");
        }

        int[] chord = [0, 3, 7, 10, 12, 15, 19, 22];
        for (int t = 0; t < trackCount; t++)
        {
            string track = "t" + t.ToString(CultureInfo.InvariantCulture);
            string eq = graph.Add(track + ".eq", "peak", P(("cutoffHz", 800 + (50 * (t % 32))), ("q", 1), ("gainDb", 3)));
            for (int v = 0; v < VoicesPerTrack; v++)
            {
                string voice = $"{track}.v{v}";
                double freq = 55 * Math.Pow(2, ((t % 12) + chord[v]) / 12.0);
                graph.Add(voice + ".env", "adsr", P(("attackMs", 5 + v), ("decayMs", 200), ("sustain", 0.6), ("releaseMs", 300), ("gate", 1), ("level", 0.05)));
                graph.Chain(
                    graph.Add(voice + ".osc", "saw", P(("freqHz", freq))),
                    graph.Add(voice + ".lpf", "rlpf", P(("cutoffHz", 1200 + (100 * v)), ("q", 2))),
                    graph.Add(voice + ".vca", "vca"),
                    eq);
                graph.Connect(voice + ".env", voice + ".vca", toPort: "cv");
            }

            graph.Chain(
                eq,
                graph.Add(track + ".shelf", "highshelf", P(("cutoffHz", 6000), ("gainDb", -3))),
                graph.Add(track + ".delay", "delay", P(("delayMs", 125 + (t * 7 % 250)), ("feedback", 0.35), ("mix", 0.2))),
                graph.Add(track + ".pan", "pan", P(("pan", ((t % 9) / 4.0) - 1))),
                $"bus{t % Buses}");
        }

        return graph;
    }

    /// <summary>
    /// The level of SuperCollider's band-limited <c>Saw</c> on our saw's scale: its RMS is 0.289 = 0.5/√3 (measured
    /// with scsynth 3.13 at 55, 220 and 830 Hz; <c>LFSaw</c>, ±1, gives 0.577), half of a ±1 saw's. With the score's
    /// amplitudes on a ±1 saw, voices-256 played 6 dB louder than scsynth renders the score and clipped (peak 1.22,
    /// 0.24 RMS per channel against scsynth's 0.12).
    /// </summary>
    private const double ScoreSawLevel = 0.5;

    /// <summary>
    /// Voice <paramref name="index"/>'s start phase in periods: the golden-ratio sequence, which spreads any count
    /// evenly, plus a small quadratic term. A phase linear in the index alone would be undone by the detune, which is
    /// linear in the index too: the voices of one pitch class would drift back into phase all at once (voices-256
    /// after about 1.3 s).
    /// </summary>
    private static double StartPhase(int index)
    {
        double phase = (index * 0.6180339887498949) + (index * (double)index * 0.0001);
        return phase - Math.Floor(phase);
    }

    private static Dictionary<string, double> P(params ReadOnlySpan<(string Name, double Value)> values)
    {
        var result = new Dictionary<string, double>(values.Length, StringComparer.Ordinal);
        foreach ((string name, double value) in values)
        {
            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// N independent near-empty jobs (a gain on silence) and no output: the scheduler's own cost. The slope of
    /// block time over N is the dispatch overhead per node; the intercept is the fixed cost per block.
    /// </summary>
    public static GraphDescription Trivial(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var graph = new GraphDescription();
        graph.Add("out", "out");
        for (int i = 0; i < count; i++)
        {
            graph.Add("t" + i.ToString(CultureInfo.InvariantCulture), "gain");
        }

        return graph;
    }

    /// <summary>True if <paramref name="name"/> is <paramref name="prefix"/> followed by ASCII digits only (the count; too large throws, as int.Parse does).</summary>
    private static bool TryParseCount(string name, string prefix, out int count)
    {
        count = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal) && TryParseDigits(name.AsSpan(prefix.Length), out count);
    }

    private static bool TryParseDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
