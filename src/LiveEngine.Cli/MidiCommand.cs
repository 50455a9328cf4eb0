using System.CommandLine;
using System.Globalization;
using LiveEngine.Hosts.Jack;
using LiveEngine.Midi.Fuzzing;
using LiveEngine.Midi.Transports.RtMidi;

namespace LiveEngine.Cli;

/// <summary><c>liveengine midi</c>: MIDI ports (RtMidi over JACK) and the parser fuzzer.</summary>
internal static class MidiCommand
{
    public static Command Create()
    {
        var command = new Command("midi", "MIDI 2.0: list JACK MIDI ports, fuzz the parsers.");
        command.Subcommands.Add(Ports());
        command.Subcommands.Add(Fuzz());
        return command;
    }

    private static Command Ports()
    {
        var server = new Option<string?>("--server") { Description = "JACK server name (default: JACK_DEFAULT_SERVER or 'default')." };
        var command = new Command("ports", "List the JACK MIDI ports RtMidi sees: sources (outputs to read from) and destinations (inputs to write to).") { server };
        command.SetAction(parse => Cli.Run(() =>
        {
            string? name = parse.GetValue(server);
            if (name is not null)
            {
                RtMidiPorts.UseJackServer(name);
            }

            if (!JackDriver.IsServerRunning(name))
            {
                throw new CliException($"No JACK server{(name is null ? "" : $" named '{name}'")} is running; RtMidi's JACK backend needs one.");
            }

            try
            {
                IReadOnlyList<string> sources = RtMidiPorts.Sources();
                IReadOnlyList<string> destinations = RtMidiPorts.Destinations();
                Console.WriteLine(sources.Count == 0 ? "sources: none" : "sources:");
                foreach (string s in sources)
                {
                    Console.WriteLine("  " + s);
                }

                Console.WriteLine(destinations.Count == 0 ? "destinations: none" : "destinations:");
                foreach (string d in destinations)
                {
                    Console.WriteLine("  " + d);
                }

                return 0;
            }
            catch (Exception e) when (e is RtMidiException or DllNotFoundException)
            {
                throw new CliException($"RtMidi (JACK): {e.Message} Is librtmidi6 installed and a JACK server running?");
            }
        }));
        return command;
    }

    private static Command Fuzz()
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to fuzz, in minutes.", DefaultValueFactory = _ => 1 };
        var target = new Option<string>("--target") { Description = "ump, netmidi or bytes.", DefaultValueFactory = _ => "ump" };
        var seed = new Option<int>("--seed") { Description = "Random seed (a run is deterministic for a seed).", DefaultValueFactory = _ => 1 };
        var command = new Command("fuzz", "Feed random and mutated input to a MIDI parser; report inputs, crashes and invariant failures.") { minutes, target, seed };
        command.SetAction(parse => Cli.Run(() =>
        {
            double m = parse.GetValue(minutes);
            if (!(m > 0))
            {
                throw new CliException($"--minutes must be more than 0, not {m}.");
            }

            FuzzTarget parsed = parse.GetValue(target)?.ToLowerInvariant() switch
            {
                "ump" => FuzzTarget.Ump,
                "netmidi" => FuzzTarget.NetMidi,
                "bytes" => FuzzTarget.Bytes,
                var other => throw new CliException($"--target must be ump, netmidi or bytes, not '{other}'."),
            };
            FuzzReport report = MidiFuzzer.Run(parsed, TimeSpan.FromMinutes(m), parse.GetValue(seed), r => Console.WriteLine(Describe(r)));
            Console.WriteLine(Describe(report));
            if (report.FirstFailure is not null)
            {
                Console.WriteLine("first failure: " + report.FirstFailure);
            }

            return report.Crashes == 0 && report.InvariantFailures == 0 ? 0 : 1;
        }));
        return command;
    }

    private static string Describe(FuzzReport r) => string.Create(
        CultureInfo.InvariantCulture,
        $"{r.Target}: {r.Duration.TotalSeconds:0} s, {r.Inputs} inputs, {r.Crashes} crashes, {r.InvariantFailures} invariant failures, {r.Messages} messages parsed, {r.Rejected} rejected");
}
