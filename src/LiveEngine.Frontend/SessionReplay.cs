using System.Globalization;
using LiveEngine.Commands;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>What a replay did: <see cref="Frames"/> written from <see cref="StartSample"/> (where the log joined the performance) on.</summary>
public sealed record ReplayReport(long Frames, int Actions, int FailedActions, IReadOnlyList<string> Messages, long StartSample = 0);

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
        IGraphExecutor? executor = null,
        Action<double>? progress = null)
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

        // The log starts where it joined the performance (a REPL attached to an engine that had played for a while):
        // the replay renders from that sample, on the same beat and bar.
        Fraction originBeat = Fraction.Zero;
        Fraction originBar = Fraction.Zero;
        if ((header.Beat is not null && !Fraction.TryParse(header.Beat, out originBeat)) || (header.Bar is not null && !Fraction.TryParse(header.Bar, out originBar)))
        {
            throw new InvalidDataException($"{logPath}:1: beat '{header.Beat}' or bar '{header.Bar}' is not a number.");
        }

        if (header.Position < 0)
        {
            throw new InvalidDataException($"{logPath}:1: position {header.Position} is before the first sample.");
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
                Origin = new TempoOrigin(header.Position, originBeat, originBar),
                CrossfadeMs = header.CrossfadeMs ?? new LiveSessionOptions().CrossfadeMs,
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
        long start = header.Position;
        long planned = PlannedEnd(entries, start, (long)Math.Round(tailSeconds * options.Session.SampleRate));
        Action<float[][], int> sink = (chunk, frames) =>
        {
            writer.WritePlanar(chunk, 0, frames);
            progress?.Invoke((performance.Session.Position - start) / (double)Math.Max(1, planned - start));
        };
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

            if (entry.Position < start)
            {
                throw new InvalidDataException($"{logPath} entry {entry.Seq} ({entry.Kind}): position {entry.Position} is before the log's start at {start}.");
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
        return new ReplayReport(performance.Session.Position - start, actions, failed, messages, start);
    }

    /// <summary>Where a replay of <paramref name="entries"/> ends: at the logged end, else <paramref name="tailFrames"/> after the last action.</summary>
    private static long PlannedEnd(IReadOnlyList<SessionLogEntry> entries, long start, long tailFrames)
    {
        long last = start;
        foreach (SessionLogEntry entry in entries)
        {
            if (entry.Kind == "end")
            {
                return Math.Max(last, entry.Position);
            }

            last = Math.Max(last, entry.Position);
        }

        return last + tailFrames;
    }

    /// <summary>An OSC message a handler took: to the replayed code's handlers, on its sample, waiting for them to run.</summary>
    private static string? DeliverOsc(Performance performance, SessionLogEntry entry)
    {
        var messages = new List<LiveEngine.Osc.OscMessage>();
        if (entry.Osc is null || entry.Sample is not { } sample || LiveEngine.Osc.OscPacketReader.TryRead(Convert.FromBase64String(entry.Osc), messages) != LiveEngine.Osc.OscReadError.None || messages.Count != 1)
        {
            return $"osc entry '{entry.Name}': no readable message";
        }

        string? error = null;
        foreach (ILiveLanguage language in performance.Languages.All)
        {
            if (language is Osc.IOscListener { WantsOsc: true } listener)
            {
                Task<string?> handled = listener.OnOsc(messages[0], sample);
                if (!handled.Wait(TimeSpan.FromSeconds(30)))
                {
                    return $"osc {entry.Name}: the handlers did not finish in 30 s";
                }

                error ??= handled.Result;
            }
        }

        return error;
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
                case "load" when entry.Graph is { } graph:
                    performance.LoadGraph(GraphDescription.FromJson(graph.ToJsonString()), entry.Source ?? "replay", when);
                    return null;
                case "load":
                    Evaluation loaded = performance.LoadCode(entry.Language ?? "", entry.Code ?? "", entry.Source ?? "replay", when);
                    return loaded.Ok ? null : loaded.Error;
                case "param":
                    performance.SetParameter(entry.Node ?? "", entry.Parameter ?? "", entry.Value ?? 0, when);
                    return null;
                case "tempo":
                    if (!Fraction.TryParse(entry.Tempo, out Fraction bpm))
                    {
                        return $"tempo '{entry.Tempo}' is not a number";
                    }

                    performance.Logged.SetTempo(bpm, when, entry.BeatsPerBar);
                    return null;
                case "ramp":
                    if (!Fraction.TryParse(entry.Tempo, out Fraction target) || !Fraction.TryParse(entry.Length, out Fraction rampBeats))
                    {
                        return $"ramp to '{entry.Tempo}' over '{entry.Length}' beats: not numbers";
                    }

                    performance.Logged.RampTempo(target, rampBeats, when);
                    return null;
                case "trigger":
                    if (!Fraction.TryParse(entry.Length, out Fraction length))
                    {
                        return $"trigger length '{entry.Length}' is not a number";
                    }

                    performance.Logged.Trigger(entry.Node ?? "", when, length, entry.Parameter ?? "gate", entry.Value ?? 1, entry.Off ?? 0);
                    return null;
                case "var":
                    performance.SetVariable(entry.Name ?? "", entry.Value ?? 0);
                    return null;
                case "commit":
                    GraphDescription committed = GraphDescription.FromJson(entry.Graph?.ToJsonString() ?? "{}");
                    performance.Logged.Execute(new CommitCommand(committed, when, Patch: entry.Patch == true, Owned: true));
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
                case "sample":
                    performance.Samples.Load(entry.Name ?? "", entry.Source ?? "");
                    return null;
                case "panic":
                    performance.Panic();
                    return null;
                case "osc":
                    return DeliverOsc(performance, entry);
                case "stop" or "play":
                    // In sample time a stop lasts no samples: the clock held, so what followed it was logged at the
                    // held position (the stop itself at most the block then in flight before it). Replay renders
                    // samples, not wall time: it skips both.
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
