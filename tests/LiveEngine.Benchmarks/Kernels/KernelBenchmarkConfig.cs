using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace LiveEngine.Benchmarks.Kernels;

/// <summary>
/// Shared configuration: <see cref="FramesPerInvocation"/> samples per invocation, reported per sample
/// (OperationsPerInvoke), the scalar kernel as baseline so the ratio column reads as SIMD speed-up, and
/// allocations shown (must be 0). Each scalar/SIMD pair is one category named after its self-test check,
/// and baselines are matched per category, so one class can hold several pairs.
/// A short job keeps the whole suite within a few minutes on a 2-core machine.
/// </summary>
public sealed class KernelBenchmarkConfig : ManualConfig
{
    /// <summary>Samples processed per invocation, in one block of 512 or eight blocks of 64.</summary>
    public const int FramesPerInvocation = 512;

    public KernelBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(8));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.P95);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
        WithOptions(ConfigOptions.JoinSummary);
    }
}
