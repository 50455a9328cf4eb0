using System.Globalization;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>What a replay did.</summary>
public sealed record ReplayReport(long Frames, int Actions, int FailedActions, IReadOnlyList<string> Messages);

/// <summary>
/// Re-renders a session log offline: the session is rebuilt from the header and every logged action is taken
/// again at the sample where it was taken live, so a replay is bit-identical to an offline render of the same
/// session (and any two replays of one log are identical).
/// </summary>
public static class SessionReplay
{
    /// <summary>
    /// Replays <paramref name="logPath"/> into <paramref name="wavPath"/>, ending <paramref name="tailSeconds"/>
    /// after the last action (or at the logged end). <paramref name="languages"/> makes the languages the log uses.
    /// </summary>
    public static ReplayReport Render(
        string logPath,
        NodeTypeRegistry registry,
        IEnumerable<Func<ILiveSession, ILiveLanguage>> languages,
        string wavPath,
        WavSampleFormat format,
        double tailSeconds = 2,
        IGraphExecutor? executor = null)
    {
        IReadOnlyList<SessionLogEntry> entries = SessionLog.Read(logPath);
        SessionLogEntry header = entries[0];
        if (header.Version != SessionLog.FormatVersion)
        {
            throw new InvalidDataException($"{logPath}: log format {header.Version}; this build reads format {SessionLog.FormatVersion}.");
        }

        if (!Fraction.TryParse(header.Tempo, out Fraction tempo))
        {
            throw new InvalidDataException($"{logPath}:1: tempo '{header.Tempo}' is not a number.");
        }

        var options = new PerformanceOptions
        {
            Session = new LiveSessionOptions
            {
                SampleRate = header.SampleRate ?? 48_000,
                MaxBlockFrames = Math.Max(header.BlockFrames ?? 128, 128),
                OutputChannels = header.Channels ?? 2,
                Seed = header.Seed ?? new LiveSessionOptions().Seed,
                Tempo = tempo,
                BeatsPerBar = header.BeatsPerBar ?? 4,
            },
            BlockFrames = header.BlockFrames ?? 128,
            InitialGraph = header.Graph is null ? null : GraphDescription.FromJson(header.Graph.ToJsonString()),
            SampleFolders = header.SampleFolders ?? [],
        };
        using var performance = new Performance(registry, options, executor);
        foreach (Func<ILiveSession, ILiveLanguage> language in languages)
        {
            performance.AddLanguage(language);
        }

        var messages = new List<string>();
        performance.Notices += notice => messages.Add(notice.ToString());
        using var writer = new WavWriter(wavPath, options.Session.SampleRate, options.Session.OutputChannels, format);
        Action<float[][], int> sink = (chunk, frames) => writer.WritePlanar(chunk, 0, frames);
        int actions = 0;
        int failed = 0;
        long end = -1;
        for (int i = 1; i < entries.Count; i++)
        {
            SessionLogEntry entry = entries[i];
            if (entry.Kind is "result")
            {
                continue;
            }

            performance.RenderTo(entry.Position, sink);
            if (entry.Kind == "end")
            {
                end = entry.Position;
                break;
            }

            actions++;
            string? error = Apply(performance, entry);
            if (error is not null)
            {
                failed++;
                messages.Add($"{logPath} entry {entry.Seq} ({entry.Kind}): {error}");
            }
        }

        if (end < 0)
        {
            end = performance.Session.Position + (long)Math.Round(tailSeconds * options.Session.SampleRate);
        }

        performance.RenderTo(end, sink);
        return new ReplayReport(performance.Session.Position, actions, failed, messages);
    }

    /// <summary>Takes one logged action; returns its error, if it failed (as it then did live too).</summary>
    internal static string? Apply(Performance performance, SessionLogEntry entry)
    {
        Quantization when = Quantization.Now;
        if (entry.Quantize is not null && !Quantization.TryParse(entry.Quantize, out when, out string? bad))
        {
            return bad;
        }

        try
        {
            switch (entry.Kind)
            {
                case "eval":
                    Evaluation result = performance.Evaluate(entry.Language ?? "", entry.Code ?? "", entry.Source ?? "replay", when);
                    return result.Ok ? null : result.Error;
                case "param":
                    performance.SetParameter(entry.Node ?? "", entry.Parameter ?? "", entry.Value ?? 0, when);
                    return null;
                case "tempo":
                    if (!Fraction.TryParse(entry.Tempo, out Fraction bpm))
                    {
                        return $"tempo '{entry.Tempo}' is not a number";
                    }

                    performance.SetTempo(bpm, when);
                    return null;
                case "var":
                    performance.SetVariable(entry.Name ?? "", entry.Value ?? 0);
                    return null;
                case "commit":
                    performance.Commit(GraphDescription.FromJson(entry.Graph?.ToJsonString() ?? "{}"), when);
                    return null;
                case "undo":
                    performance.Undo(when);
                    return null;
                case "midi" when entry.Name is { } name:
                    performance.Session.Variables.Set(name, entry.Value ?? 0);
                    return null;
                case "midi":
                    performance.Session.SetParameter(entry.Node ?? "", entry.Parameter ?? "", entry.Value ?? 0, Quantization.Now);
                    return null;
                case "panic":
                    performance.Panic();
                    return null;
                default:
                    return string.Create(CultureInfo.InvariantCulture, $"unknown entry kind '{entry.Kind}' (skipped)");
            }
        }
        catch (Exception e) when (e is ArgumentException or GraphValidationException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return e.Message;
        }
    }
}
