using System.CommandLine;
using System.Globalization;
using LiveEngine.Commands;
using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Hosts.Link;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine link</c>: whether Ableton Link can run here and why not; <c>liveengine link probe</c>: one silent
/// engine (null driver, real time) whose clock follows the Link session, driven line by line on standard input
/// (docs/link.md, "Checking a session"). The Link tests run two probes in a private network namespace.
/// </summary>
internal static class LinkCommand
{
    public static Command Create()
    {
        var command = new Command("link", "Ableton Link: say whether it can run here (and why not); 'probe' joins a session with a silent engine.");
        command.SetAction(_ =>
        {
            if (LinkAvailability.Reason is string reason)
            {
                Console.Error.WriteLine(reason);
                return 1;
            }

            Console.WriteLine($"Ableton Link is available ({LinkAvailability.LibraryName}).");
            return 0;
        });
        command.Subcommands.Add(Probe());
        return command;
    }

    private static Command Probe()
    {
        var tempo = new Option<decimal>("--tempo") { Description = "The engine's starting tempo (BPM).", DefaultValueFactory = _ => 120m };
        var quantum = new Option<double>("--quantum") { Description = "Link quantum in beats.", DefaultValueFactory = _ => 4 };
        var rate = new Option<int>("--rate") { Description = "Sample rate.", DefaultValueFactory = _ => 48_000 };
        var command = new Command("probe", "Join the Link session with a silent engine and answer commands on stdin: status, tempo BPM, reached BPM SINCE_MICROS, beat-at MICROS, now, play, stop, quit.") { tempo, quantum, rate };
        command.SetAction(parse => Cli.Run(() =>
        {
            int sampleRate = parse.GetValue(rate);
            var options = new LiveSessionOptions { SampleRate = sampleRate, Tempo = Fraction.FromDecimal(parse.GetValue(tempo)) };
            AbletonLink link;
            try
            {
                link = AbletonLink.Create((double)parse.GetValue(tempo));
            }
            catch (LinkUnavailableException e)
            {
                throw new CliException(e.Message);
            }

            var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), new GraphDescription(), options, SingleThreadExecutor.Instance);
            // Real-time priority where allowed (as the engine's own null driver): a paced thread that stalls on a busy
            // machine loses time, which the follower then has to win back.
            using NullDriver driver = NullDriver.Start(session.Renderer, sampleRate, options.MaxBlockFrames, realTimePriority: 70);
            using (link)
            using (var follower = new LinkFollower(link, session, session.Clock, session.Renderer, new LinkOptions { Quantum = parse.GetValue(quantum) }))
            {
                Console.WriteLine("ready");
                while (Console.ReadLine() is string line)
                {
                    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length == 0)
                    {
                        continue;
                    }

                    if (words[0] == "quit")
                    {
                        break;
                    }

                    Console.WriteLine(Answer(words, session, follower));
                }
            }

            return 0;
        }));
        return command;
    }

    private static string Answer(string[] words, LiveSession session, LinkFollower follower)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        switch (words[0])
        {
            case "status":
                {
                    LinkStatus s = follower.Status;
                    long position = session.Renderer.Position;
                    return string.Create(c, $"status peers={s.Peers} engine_bpm={session.Clock.TempoAt(position).ToDouble():F4} link_bpm={s.SessionTempo:F4} playing={(s.IsPlaying ? 1 : 0)} playing_seen_us={follower.PlayingSeenAtMicros} transport={(session.Renderer.Playing ? 1 : 0)} error_ms={s.PhaseErrorMs:F4} corrections={s.Corrections} pushes={s.TempoPushes} quiet_tick_bytes={follower.QuietTickAllocatedBytes}");
                }

            case "now":
                return string.Create(c, $"now {follower.ClockMicros}");
            case "beat-at" when words.Length == 2 && long.TryParse(words[1], c, out long micros):
                {
                    // The engine's beat at the sample heard at Link time `micros`, with Link's beat then on this peer.
                    long sample = follower.SampleAtHostMicros(micros);
                    LinkState state = follower.SessionAt(micros);
                    return string.Create(c, $"beat {micros} engine={session.Clock.BeatAt(sample).ToDouble():F6} link={state.Beat:F6} bpm={state.Tempo:F4}");
                }

            case "tempo" when words.Length == 2 && decimal.TryParse(words[1], c, out decimal bpm):
                {
                    long at = session.Execute(new SetTempoCommand(Fraction.FromDecimal(bpm), Quantization.Now)).Sample;
                    return string.Create(c, $"tempo {bpm} at={at} host_us={follower.HostMicrosAtSample(at)}");
                }

            case "reached" when words.Length == 3 && decimal.TryParse(words[1], c, out decimal bpm) && long.TryParse(words[2], c, out long since):
                {
                    // The Link time at which this engine's tempo arrived at `bpm` (a change to it or a ramp's end), at or
                    // after Link time `since`: what the audience hears, whatever a status poll happened to see.
                    long sample = session.Clock.FirstSampleHolding(Fraction.FromDecimal(bpm), Math.Max(0, follower.SampleAtHostMicros(since)));
                    if (sample >= 0 && sample <= session.Renderer.Position)
                    {
                        return string.Create(c, $"reached {follower.HostMicrosAtSample(sample)}");
                    }

                    return "reached none";
                }

            case "play" or "stop":
                return string.Create(c, $"{words[0]} host_us={follower.SetPlaying(words[0] == "play")}");
            default:
                return $"error: unknown command '{string.Join(' ', words)}'";
        }
    }
}
