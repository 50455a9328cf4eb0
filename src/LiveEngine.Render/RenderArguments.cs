using System.Globalization;
using LiveEngine.Hosts.Wav;
using LiveEngine.Scheduling;
using LiveEngine.Snapshots;

namespace LiveEngine.Render;

/// <summary>
/// The options of <c>liveengine-render render</c>, with <c>liveengine render</c>'s names, short forms and defaults, read
/// by a small hand parser: System.CommandLine and repl.config stay out, because their start-up is what this program
/// exists to avoid. Every mistake is a <see cref="RenderUsageException"/> that names the option and what it takes.
/// </summary>
internal sealed class RenderArguments
{
    public const string Usage =
        """
        Usage: liveengine-render render --workload NAME --out FILE.wav [options]
               liveengine-render selftest
        Renders a standard workload offline, faster than real time, to a WAV file: the same bits as `liveengine render`
        with the same options, from a program compiled ahead of time, which starts in milliseconds.
          -w, --workload NAME     voices-N, chains-MxL, random-layered, session, trivial-N
          -s, --seconds S         length of the render in seconds (default 10)
          -o, --out FILE          WAV file to write (required)
          -r, --sample-rate HZ    frames per second, 22050..192000 (default 48000)
          -b, --block FRAMES      block size in frames, 1..4096 (default 64)
              --bits N            16 or 24 (integer PCM) or 32 (float) (default 24)
              --seed N            session seed for seeded randomness (default 1)
          -t, --threads N         worker threads, the calling thread included, 1..256 (default 1)
              --policy P          critical-path, steal or wavefront (default critical-path)
              --timing            say where the wall time went from Main on: the graph, its compile, the first block, the rest
        Graph files (.json), pieces (.lua, .csx), repl.config and the other options: use `liveengine render`.
        """;

    public required string Workload { get; init; }

    public required string Output { get; init; }

    public double Seconds { get; init; } = 10;

    public int SampleRate { get; init; } = 48000;

    public int BlockFrames { get; init; } = 64;

    public WavSampleFormat Format { get; init; } = WavSampleFormat.Pcm24;

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = 1;

    public SchedulingPolicy Policy { get; init; } = SchedulingPolicy.CriticalPathFirst;

    public bool Timing { get; init; }

    /// <summary>Reads the options after <c>render</c>. Each option but <c>--timing</c> takes one value, as <c>--name value</c> or <c>--name=value</c>.</summary>
    /// <exception cref="RenderUsageException">An unknown option, a missing or malformed value, a value out of range, or no workload or output.</exception>
    public static RenderArguments Parse(ReadOnlySpan<string> args)
    {
        string? workload = null;
        string? output = null;
        double seconds = 10;
        int sampleRate = 48000;
        int block = 64;
        int bits = 24;
        int seed = 1;
        int threads = 1;
        string policy = "critical-path";
        bool timing = false;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string? value = null;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (!name.StartsWith('-'))
            {
                throw new RenderUsageException(name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".lua", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".csx", StringComparison.OrdinalIgnoreCase)
                    ? $"liveengine-render renders the standard workloads only (--workload NAME); render the file '{name}' with `liveengine render`."
                    : $"unexpected argument '{name}'; liveengine-render render takes options only (--workload NAME --out FILE.wav ...).");
            }

            switch (name)
            {
                case "-w" or "--workload":
                    workload = Value(args, ref i, name, value);
                    break;
                case "-o" or "--out":
                    output = Value(args, ref i, name, value);
                    break;
                case "-s" or "--seconds":
                    seconds = Number(Value(args, ref i, name, value), name);
                    break;
                case "-r" or "--sample-rate":
                    sampleRate = Integer(Value(args, ref i, name, value), name);
                    break;
                case "-b" or "--block":
                    block = Integer(Value(args, ref i, name, value), name);
                    break;
                case "--bits":
                    bits = Integer(Value(args, ref i, name, value), name);
                    break;
                case "--seed":
                    seed = Integer(Value(args, ref i, name, value), name);
                    break;
                case "-t" or "--threads":
                    threads = Integer(Value(args, ref i, name, value), name);
                    break;
                case "--policy":
                    policy = Value(args, ref i, name, value);
                    break;
                case "--timing" when value is null:
                    timing = true;
                    break;
                default:
                    throw new RenderUsageException($"unknown option '{name}' for liveengine-render render; it takes --workload, --seconds, --out, --sample-rate, --block, --bits, --seed, --threads, --policy and --timing (see --help).");
            }
        }

        if (workload is null)
        {
            throw new RenderUsageException("nothing to render: give --workload NAME (voices-N, chains-MxL, random-layered, session).");
        }

        if (output is null)
        {
            throw new RenderUsageException("--out FILE.wav is required.");
        }

        if (seconds is <= 0 or > 24 * 3600 || double.IsNaN(seconds))
        {
            throw new RenderUsageException($"--seconds must be more than 0 and at most 86400, not {seconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (sampleRate is < CompileOptions.MinSampleRate or > CompileOptions.MaxSampleRate)
        {
            throw new RenderUsageException($"--sample-rate must be {CompileOptions.MinSampleRate} to {CompileOptions.MaxSampleRate}, not {sampleRate}.");
        }

        if (block is < 1 or > CompileOptions.MaxBlockLimit)
        {
            throw new RenderUsageException($"--block must be 1 to {CompileOptions.MaxBlockLimit} frames, not {block}.");
        }

        if (bits is not (16 or 24 or 32))
        {
            throw new RenderUsageException($"--bits must be 16, 24 or 32, not {bits}.");
        }

        if (threads is < 1 or > 256)
        {
            throw new RenderUsageException($"--threads must be 1 to 256, not {threads}.");
        }

        return new RenderArguments
        {
            Workload = workload,
            Output = output,
            Seconds = seconds,
            SampleRate = sampleRate,
            BlockFrames = block,
            Format = WavSampleFormatExtensions.FromBits(bits),
            Seed = seed,
            Threads = threads,
            Timing = timing,
            Policy = policy.ToLowerInvariant() switch
            {
                "critical-path" or "cp" => SchedulingPolicy.CriticalPathFirst,
                "steal" or "plain" => SchedulingPolicy.PlainStealing,
                "wavefront" => SchedulingPolicy.Wavefront,
                _ => throw new RenderUsageException($"--policy must be critical-path, steal or wavefront, not '{policy}'."),
            },
        };
    }

    private static string Value(ReadOnlySpan<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (i + 1 >= args.Length || (args[i + 1].StartsWith('-') && args[i + 1].Length > 1 && !char.IsAsciiDigit(args[i + 1][1])))
        {
            throw new RenderUsageException($"{name} needs a value.");
        }

        return args[++i];
    }

    private static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new RenderUsageException($"{name} takes a number, not '{text}'.");

    private static int Integer(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new RenderUsageException($"{name} takes a whole number, not '{text}'.");
}
