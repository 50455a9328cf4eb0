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

        totalMs.Sort();
        fromCodeMs.Sort();
        string figures = $"eval start to error (ms), sorted: {Format(totalMs)}\nthe same less Roslyn's compile time: {Format(fromCodeMs)}";
        output.WriteLine(figures);

        // The limit governs the snippet's code, from the moment it starts: 50 ms plus the time to notice and unwind.
        // The goal is a p99 within 100 ms from pressing Enter; Roslyn's compile time and the thread hops on top of the
        // 50 ms are what a loaded machine stretches (with 8 builds sharing 2 cores the slowest of 20 took up to 145 ms
        // after the code started, and up to 310 ms from Enter), so this test holds the median to the goal and bounds
        // the tail loosely; docs/csharp.md reports the figures.
        Assert.True(fromCodeMs[fromCodeMs.Count / 2] < 100, figures);
        Assert.True(fromCodeMs[^1] < 250, figures);
        Assert.True(totalMs[^1] < 1000, figures);
        Assert.Equal(42, f.EvalOk("6 * 7").Value);
    }

    private static string Format(List<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));
}
