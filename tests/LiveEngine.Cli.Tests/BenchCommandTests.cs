using System.Text.Json;

namespace LiveEngine.Tests.Cli;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_ReportsRealTimeFactorPercentilesWorkAndSpan_AsTextAndJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"liveengine-bench-{Guid.NewGuid():N}.json");
        try
        {
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "bench", "voices-64", "--seconds", "1", "--json", json);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains("real-time factor", result.Output);
            Assert.Contains("p99", result.Output);

            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = document.RootElement;
            Assert.Equal("voices-64", root.GetProperty("Workload").GetString());
            Assert.True(root.GetProperty("RealTimeFactor").GetDouble() > 0);
            double work = root.GetProperty("WorkUs").GetDouble();
            double span = root.GetProperty("SpanUs").GetDouble();
            Assert.True(span > 0 && span <= work, $"span {span} µs must be positive and at most the work {work} µs");
            Assert.True(root.GetProperty("P50Us").GetDouble() <= root.GetProperty("P99Us").GetDouble());
            Assert.Equal(0, root.GetProperty("AllocatedBytes").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Bench_TwoThreads_MeasuresWorkAndTheParallelPassInAlternatingWindows_MedianAndSpread()
    {
        string json = Path.Combine(Path.GetTempPath(), $"liveengine-bench-{Guid.NewGuid():N}.json");
        try
        {
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "bench", "voices-256", "--threads", "2", "--seconds", "1", "--json", json);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Matches(@"efficiency \d+ % \(median of 4 pairs of alternating 249 ms windows, W then the parallel pass; spread \d+ %\.\.\d+ %\)", result.Output);

            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = document.RootElement;
            Assert.Equal(4, root.GetProperty("Windows").GetInt32());
            double efficiency = root.GetProperty("Efficiency").GetDouble();
            double lowest = root.GetProperty("EfficiencyMin").GetDouble();
            double highest = root.GetProperty("EfficiencyMax").GetDouble();
            Assert.True(lowest > 0 && lowest <= efficiency && efficiency <= highest, $"efficiency {efficiency} must lie within its spread {lowest}..{highest}");
            Assert.Equal(0, root.GetProperty("AllocatedBytes").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Bench_UnknownWorkload_ExitsWithAClearError()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "bench", "voicez-3", "--seconds", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: Unknown workload 'voicez-3'", result.Error);
    }

    [Fact]
    public void BanksCompare_PrintsTheBanksAndBothModesInterleaved()
    {
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "bench", "voices-64", "--seconds", "1", "--banks", "compare");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("banks             1 × saw>rlpf>gain>pan → out: 64 voices in lanes of 64", result.Output);
        Assert.Contains("banks on vs off   2 alternating 0.5 s windows each, 64 voices", result.Output);
        Assert.Contains("speed-up", result.Output);

        LiveEngineProcess.Result off = LiveEngineProcess.Run(null, "bench", "voices-64", "--seconds", "0.5", "--banks", "off");
        Assert.True(off.ExitCode == 0, off.Error);
        Assert.Contains("banks             none", off.Output);
    }

    [Fact]
    public void BenchOfAPiece_MeasuresTheGraphItsTopLevelBuilds()
    {
        string piece = Path.Combine(RenderCommandTests.RepositoryRoot(), "examples", "swarm.lua");
        LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "bench", piece, "--seconds", "1", "--banks", "compare");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("banks             1 × osc>rlpf>vca(adsr)>gain>pan → mix: 64 voices in lanes of 64", result.Output);
        Assert.Contains("speed-up", result.Output);
    }
}
