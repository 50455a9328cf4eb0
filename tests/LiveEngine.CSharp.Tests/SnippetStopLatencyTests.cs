using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace LiveEngine.CSharp.Tests;

/// <summary>
/// How soon <c>while (true) { }</c> typed at the REPL comes back as an error (docs/csharp.md, "Runaway code"). Alone:
/// <c>dotnet test tests/LiveEngine.CSharp.Tests -c Release --filter "FullyQualifiedName~SnippetStopLatency" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(MeasurementCollection.Name)]
public sealed class SnippetStopLatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WhileTrue_IsReportedSoon_OverTwentyTries_AndTheNextSnippetRuns()
    {
        using var f = new SessionFixture();
        await f.Workspace.WarmUpAsync();
        f.EvalOk("1");
        var totalMs = new List<double>();
        var fromCodeMs = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            long start = Stopwatch.GetTimestamp();
            EvalResult result = await f.Workspace.EvaluateAsync("while (true) { }");
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Assert.Equal("(1,1): error STOP: C# snippet stopped: ran longer than 50 ms (an endless loop?)", Assert.Single(result.Errors).ToString());
            totalMs.Add(elapsed);
            fromCodeMs.Add(elapsed - result.CompileMs);
        }

        string inOrder = Format(fromCodeMs);
        totalMs.Sort();
        fromCodeMs.Sort();
        string figures = $"eval start to error (ms), sorted: {Format(totalMs)}\nthe same less Roslyn's compile time: {Format(fromCodeMs)}\nin the order of the tries: {inOrder}";
        output.WriteLine(figures);

        // The limit governs the snippet's code, from the moment it starts: 50 ms plus the time to notice and unwind.
        // The goal is a p99 within 100 ms from pressing Enter. Measured on a 2-core machine shared with other builds,
        // the median met it, but the tail did not: Roslyn's compile time under load (up to 310 ms from Enter), and,
        // even at a low load, one try in 20 that took 0.6 to 1 s after the code started (not the first try; the cause
        // is not found yet). So this test holds the median to the goal and bounds the tail only against a hang;
        // docs/csharp.md reports the figures.
        Assert.True(fromCodeMs[fromCodeMs.Count / 2] < 100, figures);
        Assert.True(totalMs[^1] < 2000, figures);
        Assert.Equal(42, f.EvalOk("6 * 7").Value);
    }

    private static string Format(List<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));
}
