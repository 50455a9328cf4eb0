using System.CommandLine;
using System.Globalization;
using LiveEngine.Frontend.Osc;

namespace LiveEngine.Cli;

/// <summary><c>liveengine osc</c>: the OSC fuzzer (docs/sync.md).</summary>
internal static class OscCommand
{
    public static Command Create()
    {
        var command = new Command("osc", "OSC: fuzz the reader, the server and the router while a session renders.");
        var seconds = new Option<double>("--seconds") { Description = "How long to fuzz, in seconds.", DefaultValueFactory = _ => 60 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var fuzz = new Command("fuzz", "Feed random, well-formed and mutated OSC packets to the reader, SLIP decoder, pattern matcher and a live server; report crashes, invariant failures and the audio side's allocations.") { seconds, seed };
        fuzz.SetAction(parse => Cli.Run(() =>
        {
            double s = parse.GetValue(seconds);
            if (!(s > 0))
            {
                throw new CliException($"--seconds must be more than 0, not {s}.");
            }

            OscFuzzReport report = OscFuzzer.Run(TimeSpan.FromSeconds(s), parse.GetValue(seed), r => Console.WriteLine(Describe(r)));
            Console.WriteLine(Describe(report));
            if (report.LastDirtRefusal is not null)
            {
                Console.WriteLine("last dirt refusal: " + report.LastDirtRefusal);
            }

            if (report.FirstFailure is not null)
            {
                Console.WriteLine("first failure: " + report.FirstFailure);
            }

            return report.Passed ? 0 : 1;
        }));
        command.Subcommands.Add(fuzz);
        return command;
    }

    private static string Describe(OscFuzzReport r) => string.Create(
        CultureInfo.InvariantCulture,
        $"osc: {r.Duration.TotalSeconds:0} s, {r.Inputs} inputs, {r.Crashes} crashes, {r.InvariantFailures} invariant failures, {r.Messages} messages parsed, {r.Rejected} packets rejected, {r.ParametersSet} parameters set, {r.Refused} messages refused, {r.DirtEvents} dirt events played, {r.DirtRefused} dirt events refused, {r.AudioBlocks} audio blocks, {r.AudioAllocatedBytes} bytes allocated on the audio side");
}
