using System.Diagnostics;
using System.Globalization;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>
/// Banking on against banking off in alternating short windows of one run, so that a noisy machine's drift hits
/// both alike: the median and spread of each, and their ratio.
/// </summary>
internal sealed record BankComparison(int Windows, double OnNsPerVoiceSample, double OnMin, double OnMax, double OffNsPerVoiceSample, double OffMin, double OffMax, int Voices)
{
    private const double WindowSeconds = 0.5;

    public static BankComparison Run(GraphSnapshot banked, GraphSnapshot unbanked, IGraphExecutor executor, int block, double seconds, GraphDescription description)
    {
        // Voices: the chains that feed the output, i.e. the oscillators (every standard voice starts at one).
        int voices = Math.Max(1, description.Nodes.Count(n => n.Type is "saw" or "sine" or "square" or "triangle"));
        int blocksPerWindow = Math.Max(1, (int)(WindowSeconds * banked.SampleRate / block));
        int windows = Math.Max(2, (int)Math.Round(seconds / WindowSeconds));
        var on = new List<double>();
        var off = new List<double>();
        long positionOn = 0;
        long positionOff = 0;
        executor.Prepare(banked);
        executor.Prepare(unbanked);

        // One warm-up window each, not counted: tiered JIT and caches.
        Window(banked, ref positionOn);
        Window(unbanked, ref positionOff);
        for (int w = 0; w < windows; w++)
        {
            on.Add(Window(banked, ref positionOn));
            off.Add(Window(unbanked, ref positionOff));
        }

        on.Sort();
        off.Sort();
        return new BankComparison(windows, on[on.Count / 2], on[0], on[^1], off[off.Count / 2], off[0], off[^1], voices);

        double Window(GraphSnapshot snapshot, ref long position)
        {
            long start = Stopwatch.GetTimestamp();
            for (int b = 0; b < blocksPerWindow; b++, position += block)
            {
                executor.Process(snapshot, block, position);
            }

            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            return ns / ((double)blocksPerWindow * block * voices);
        }
    }

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"""
          banks on vs off   {Windows} alternating {WindowSeconds} s windows each, {Voices} voices
          banks on          {OnNsPerVoiceSample:F3} ns per voice-sample (median; spread {OnMin:F3}..{OnMax:F3})
          banks off         {OffNsPerVoiceSample:F3} ns per voice-sample (median; spread {OffMin:F3}..{OffMax:F3})
          speed-up          {OffNsPerVoiceSample / OnNsPerVoiceSample:F2}× (median over median)
        """);
}
