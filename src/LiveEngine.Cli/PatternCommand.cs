using System.CommandLine;
using System.Globalization;
using System.Text;
using LiveEngine.Patterns;
using LiveEngine.Time;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine pattern "PATTERN" [--cycles N]</c>: a mini-notation pattern's events, one JSON line each, with exact
/// fractions of cycles as strings (<c>{"begin":"1/2","end":"3/4","value":"sn"}</c>).
/// </summary>
internal static class PatternCommand
{
    public static Command Create()
    {
        var pattern = new Argument<string>("pattern") { Description = "Mini-notation, e.g. \"bd*2 [sn cp] <hh oh>\" (docs/tracker.md)." };
        var cycles = new Option<int>("--cycles", "-c") { Description = "How many cycles to list, from cycle 0.", DefaultValueFactory = _ => 1 };
        var command = new Command("pattern", "Print a mini-notation pattern's events as JSON lines, with exact fractions of cycles.") { pattern, cycles };
        command.SetAction(result => Cli.Run(() =>
        {
            int count = result.GetValue(cycles);
            if (count is < 1 or > 10_000)
            {
                throw new CliException($"--cycles must be 1 to 10000, not {count}.");
            }

            try
            {
                Console.Out.Write(Format(MiniNotation.Parse(result.GetValue(pattern)!), count));
            }
            catch (MiniNotationException e)
            {
                throw new CliException(e.Message);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The JSON lines of the events that start in cycles [0, <paramref name="cycles"/>).</summary>
    public static string Format(Pattern<MiniValue> pattern, int cycles)
    {
        var text = new StringBuilder();
        foreach (Hap<MiniValue> hap in MiniNotation.Events(pattern, Fraction.Zero, cycles))
        {
            Arc whole = hap.Whole!.Value;
            text.Append(CultureInfo.InvariantCulture, $"{{\"begin\":\"{whole.Begin}\",\"end\":\"{whole.End}\",\"value\":{hap.Value.ToJson()}}}").Append('\n');
        }

        return text.ToString();
    }
}
