using System.Diagnostics;
using LiveEngine.Languages;

namespace LiveEngine.CSharp.Tests;

/// <summary>A runaway snippet is stopped with a clear error at its line, however it loops, and the workspace stays usable.</summary>
public sealed class SnippetStopTests
{
    private static readonly SnippetLimits s_patient = new() { EvaluationTimeout = TimeSpan.FromMinutes(1) };

    [Theory]
    [InlineData("for (;;) ;", 1, 1)]
    [InlineData("int i = 0;\ndo { i++; } while (i > 0 || true);", 2, 1)]
    [InlineData("foreach (var x in Enumerable.Repeat(1, int.MaxValue)) { }", 1, 1)]
    [InlineData("IEnumerable<int> Forever() { while (true) yield return 1; }\nForever().Count()", 1, 30)]
    [InlineData("again:\n  goto again;", 2, 3)]
    [InlineData("int k = 0;\nswitch (k) { case 0: goto case 0; }", 2, 22)]
    public void EveryKindOfLoop_IsStoppedAtItsLine(string code, int line, int column)
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval(code);
        EvaluationDiagnostic stop = Assert.Single(result.Errors);
        Assert.Equal("STOP", stop.Id);
        Assert.Equal((line, column), (stop.Line, stop.Column));
        Assert.Equal(3, f.EvalOk("1 + 2").Value);
    }

    [Theory]
    [InlineData("int Down(int n) => Down(n + 1) + 1;\nDown(0)", 1, 5)]
    [InlineData("void Deeper(int n) { Deeper(n + 1); }\nDeeper(0);", 1, 6)]
    [InlineData("Func<int, int> f = null;\nf = n => f(n + 1);\nf(0)", 2, 7)]
    [InlineData("class Loop { public int P => P; }\nnew Loop().P", 1, 25)]
    public async Task EndlessRecursion_IsStoppedBeforeTheStackOverflows(string code, int line, int column)
    {
        // A long timeout, so that only the depth can stop it (a loaded machine is slow, not deep).
        using var f = new SessionFixture();
        using var workspace = new CSharpWorkspace(f.Session, f.Registry, limits: s_patient);
        Evaluation result = await workspace.EvaluateAsync(code);
        EvaluationDiagnostic stop = Assert.Single(result.Errors);
        Assert.Equal($"({line},{column}): error STOP: C# snippet stopped: calls nested too deeply (more than 512 KB of stack: an endless recursion?)", stop.ToString());
        Assert.Equal(3, (await workspace.EvaluateAsync("1 + 2")).Value);
    }

    [Theory]
    [InlineData("while (true) { try { while (true) { } } catch { } }")]
    [InlineData("while (true) { try { while (true) { } } catch (Exception) when (true) { } }")]
    [InlineData("while (true) { try { while (true) { } } catch (SnippetStoppedException e) { Print(e); } }")]
    [InlineData("void Deeper() { try { Deeper(); } catch (Exception) { Deeper(); } }\nDeeper();")]
    public void ACatchAll_CannotSwallowTheStop(string code)
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval(code);
        Assert.Equal("STOP", Assert.Single(result.Errors).Id);
        Assert.Equal("", result.Output);
        Assert.Equal(3, f.EvalOk("1 + 2").Value);
    }

    [Fact]
    public void ALoopInAFinally_IsStoppedToo()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            try
            {
                while (true) { }
            }
            finally
            {
                while (true) { }
            }
            """);
        Assert.Equal("(3,5): error STOP: C# snippet stopped: ran longer than 50 ms (an endless loop?)", Assert.Single(result.Errors).ToString());
        Assert.Equal(3, f.EvalOk("1 + 2").Value);
    }

    [Fact]
    public void ALoopAfterAnAwait_IsStoppedToo()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("await System.Threading.Tasks.Task.Yield();\nwhile (true) { }");
        Assert.Equal("(2,1): error STOP: C# snippet stopped: ran longer than 50 ms (an endless loop?)", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task ALongButFiniteLoop_UnderTheLimit_Completes()
    {
        // Ten million iterations of a checked loop and a checked call, under a limit long enough that only a check
        // stopping finite code could fail this (the default 50 ms is wall clock, which other test runs stretch).
        using var f = new SessionFixture();
        using var patient = new CSharpWorkspace(f.Session, f.Registry, limits: s_patient);
        Evaluation longer = await patient.EvaluateAsync("""
            long Add(long a, int b) => a + b;
            long total = 0;
            for (int i = 0; i < 10_000_000; i++) { total = Add(total, i & 1); }
            total
            """);
        Assert.True(longer.Ok, string.Join("\n", longer.Diagnostics));
        Assert.Equal(5_000_000L, longer.Value);
    }

    [Fact]
    public async Task AnInterruptedEvaluation_IsStoppedAtOnce_EvenUnderALongTimeout()
    {
        using var f = new SessionFixture();
        using var workspace = new CSharpWorkspace(f.Session, f.Registry, limits: new SnippetLimits { EvaluationTimeout = TimeSpan.FromMinutes(5) });
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        long start = Stopwatch.GetTimestamp();
        Evaluation result = await workspace.EvaluateAsync("while (true) { }", interrupt.Token);
        Assert.Equal("(1,1): error STOP: C# snippet stopped: interrupted", Assert.Single(result.Errors).ToString());
        Assert.InRange(Stopwatch.GetElapsedTime(start).TotalSeconds, 0.25, 30);
        Assert.True((await workspace.EvaluateAsync("1")).Ok);
    }

    [Fact]
    public void ARunawayBarCallback_IsStoppedAndDisabled_TheOthersGoOn()
    {
        using var f = new SessionFixture();
        f.EvalOk("""
            var bars = new List<long>();
            EveryBar(bar => { if (bar == 1) { while (true) { } } });
            EveryBar(bar => bars.Add(bar));
            """);
        IReadOnlyList<string> failures = f.Workspace.Pump(4 * SessionFixture.BarFrames);
        Assert.Equal("bar 1: (2,35): error STOP: callback stopped: ran longer than 200 ms (an endless loop?) (the callback is disabled; the others go on)", Assert.Single(failures));
        Assert.Equal("0,1,2,3", f.EvalOk("string.Join(\",\", bars)").Value);
        Assert.Empty(f.Workspace.Pump(8 * SessionFixture.BarFrames));
        Assert.Equal("0,1,2,3,4,5,6,7", f.EvalOk("string.Join(\",\", bars)").Value);
    }

    [Fact]
    public async Task InstrumentedSnippets_KeepTheirMeaning_AndTheirDiagnosticsTheColumnsAsTyped()
    {
        // A long timeout: the awaits below may wait long for a thread on a loaded machine.
        using var f = new SessionFixture();
        using var workspace = new CSharpWorkspace(f.Session, f.Registry, limits: s_patient);
        Evaluation Eval(string code) => workspace.EvaluateAsync(code).GetAwaiter().GetResult();
        Evaluation EvalOk(string code)
        {
            Evaluation result = Eval(code);
            Assert.True(result.Ok, string.Join("\n", result.Diagnostics));
            return result;
        }

        await workspace.WarmUpAsync();
        EvalOk("""
            int Twice(int x) => x * 2;
            void Note(string s) => Print(s);
            async System.Threading.Tasks.Task Later() => await System.Threading.Tasks.Task.Yield();
            class Box { int _v; public int V { get => _v; set => _v = value; } public int Double => _v * 2; public int this[int i] => _v + i; public static Box operator +(Box a, Box b) => new Box { V = a.V + b.V }; }
            Func<int, int> inc = x => x + 1;
            Action<int> show = x => Print(x);
            Func<System.Threading.Tasks.Task> wait = async () => await System.Threading.Tasks.Task.Yield();
            """);
        Evaluation result = EvalOk("""
            await Later(); await wait();
            Note("n"); show(inc(Twice(3)));
            var b = new Box { V = 5 } + new Box { V = 1 };
            int total = 0; foreach (var (k, v) in new Dictionary<int, int> { [1] = 2 }) { total += k + v; }
            $"{b.V} {b.Double} {b[1]} {total} {new[] { 1, 2, 3 }.Where(x => x > 1).Sum()}"
            """);
        Assert.Equal("n\n7\n", result.Output.ReplaceLineEndings("\n"));
        Assert.Equal("6 12 7 3 5", result.Value);

        Evaluation bad = Eval("while (true) { int unused = 1; Print(missing); }");
        Assert.Equal("(1,38): error CS0103: The name 'missing' does not exist in the current context", Assert.Single(bad.Errors).ToString());
        Evaluation warned = EvalOk("for (int i = 0; i < 2; i++) { int unused; }");
        Assert.Equal("(1,35): warning CS0168: The variable 'unused' is declared but never used", Assert.Single(warned.Diagnostics).ToString());
    }

    [Fact]
    public void ARuntimeException_InsideAnInstrumentedLoop_KeepsItsLine()
    {
        using var f = new SessionFixture();
        Evaluation result = f.Eval("""
            for (int i = 0; i < 3; i++)
            {
                int[] a = new int[1];
                a[i + 1] = 1;
            }
            """);
        EvaluationDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal(("RUN", 4), (error.Id, error.Line));
    }
}
