using System.Diagnostics;
using System.Globalization;
using LiveEngine.Languages;
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
            Evaluation result = await f.Workspace.EvaluateAsync("while (true) { }");
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

        // The goal: a p99 within 100 ms. From the moment the snippet's code may start (Roslyn's compile time left
        // out: it is the same for any snippet and is not the stop's latency), p99 of 20 is the slowest try. From Enter,
        // compile time under load comes on top (docs/csharp.md gives both); this bounds it only against a hang.
        Assert.True(fromCodeMs[^1] <= 100, figures);
        Assert.True(fromCodeMs[fromCodeMs.Count / 2] < 100 && totalMs[^1] < 2000, figures);
        Assert.Equal(42, f.EvalOk("6 * 7").Value);
    }

    /// <summary>
    /// The evaluation does not queue behind a busy thread pool: with every pool thread blocked (another part of the
    /// process waiting, the pool not yet grown), the snippet still starts and is stopped on time.
    /// </summary>
    [Fact]
    public async Task WhileTrue_IsReportedSoon_WhileEveryPoolThreadIsBlocked()
    {
        using var f = new SessionFixture();
        await f.Workspace.WarmUpAsync();
        f.EvalOk("1");

        using var release = new ManualResetEventSlim();
        int blocked = 0;

        // More blockers than pool threads: once they all run, every pool thread is blocked, and a new pool item waits
        // for the pool's starvation check to add a thread (0.5 s and more).
        int queued = ThreadPool.ThreadCount + 2;
        for (int i = 0; i < queued; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                _ =>
                {
                    Interlocked.Increment(ref blocked);
                    release.Wait();
                },
                null);
        }

        try
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref blocked) > 0, TimeSpan.FromSeconds(10)));

            var fromCodeMs = new List<double>();
            var compileMs = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                long start = Stopwatch.GetTimestamp();
                // Waited for on this thread: an await's continuation could itself wait for the pool.
                Evaluation result = f.Eval("while (true) { }");
                double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Assert.Equal("(1,1): error STOP: C# snippet stopped: ran longer than 50 ms (an endless loop?)", Assert.Single(result.Errors).ToString());
                fromCodeMs.Add(elapsed - result.CompileMs);
                compileMs.Add(result.CompileMs);
            }

            output.WriteLine($"pool blocked: eval start to error less Roslyn's compile time (ms): {Format(fromCodeMs)}; compile time: {Format(compileMs)}");
            // Not the compile time: the first compile with the pool blocked still waits once for a pool thread
            // (seconds here; what in Roslyn queues that work is not found yet).
            Assert.True(fromCodeMs.Max() <= 100, Format(fromCodeMs));
        }
        finally
        {
            release.Set();
        }
    }

    private static string Format(List<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));
}
