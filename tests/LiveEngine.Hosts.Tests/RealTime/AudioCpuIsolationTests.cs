using LiveEngine.Hosts.RealTime;

namespace LiveEngine.Tests.Hosts.RealTime;

public sealed class AudioCpuIsolationTests
{
    private static readonly int[] s_fourCpus = [0, 1, 2, 3];

    [Theory]
    [InlineData("1", "1", "0,2-3")]
    [InlineData("2-3", "2-3", "0-1")]
    [InlineData("0,2", "0,2", "1,3")]
    [InlineData(" 3 ", "3", "0-2")]
    public void Parse_ReadsALinuxCpuList_AndLeavesTheRestToTheOtherThreads(string text, string audio, string others)
    {
        AudioCpuIsolation isolation = AudioCpuIsolation.Parse(text, s_fourCpus)!;
        Assert.Equal(audio, AudioCpuIsolation.Format(isolation.AudioCpus));
        Assert.Equal(others, AudioCpuIsolation.Format(isolation.OtherCpus));
        Assert.Equal($"audio CPUs {audio}, other threads {others}", isolation.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("off")]
    public void Parse_OfNothingOrOff_IsNoIsolation(string? text) => Assert.Null(AudioCpuIsolation.Parse(text, s_fourCpus));

    [Theory]
    [InlineData("x", "'x' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("1-", "'1-' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("3-1", "'3-1' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("-1", "'-1' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("1,,2", "'1,,2' is not a CPU list: CPU numbers and ranges separated by commas, e.g. 1, 2-3 or 0,2 (or off).")]
    [InlineData("4", "CPU 4 is not one this process may use (0-3).")]
    [InlineData("0-3", "'0-3' leaves no CPU for the engine's other threads (this process may use 0-3): name fewer audio CPUs.")]
    public void Parse_OfAMistake_SaysWhatIsWrongAndWhatIsAccepted(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => AudioCpuIsolation.Parse(text, s_fourCpus)).Message);

    [Fact]
    public void Format_WritesRangesAsLinuxDoes() => Assert.Equal("0-2,5,7-8", AudioCpuIsolation.Format([8, 0, 1, 2, 5, 7, 1]));

    [Fact]
    public void AnAddedThread_RunsOnlyOnTheAudioCpus_AsTheKernelReportsIt()
    {
        IReadOnlyList<int> cpus = AudioCpuIsolation.ProcessCpus();
        Assert.True(cpus.Count >= 2, $"This test needs a process that may use at least 2 CPUs; it may use {AudioCpuIsolation.Format(cpus)}.");
        AudioCpuIsolation isolation = AudioCpuIsolation.Parse(cpus[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), cpus)!;
        RealTimeResult result = default;
        string? before = null;
        string? after = null;
        int threadId = 0;

        // A thread of its own: the test runner's threads keep their masks.
        var thread = new Thread(() =>
        {
            threadId = AudioCpuIsolation.CurrentThreadId();
            before = AudioCpuIsolation.AllowedCpuList(threadId);
            result = isolation.TryAddCurrentThread();
            after = AudioCpuIsolation.AllowedCpuList(threadId);
        });
        thread.Start();
        thread.Join();

        Assert.True(result.Granted, result.Description);
        Assert.Equal($"on CPU {cpus[^1]}", result.Description);
        Assert.Equal(AudioCpuIsolation.Format(cpus), before);
        Assert.Equal(cpus[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), after);
        Assert.NotEqual(Environment.ProcessId, threadId);
        Assert.Equal(AudioCpuIsolation.Format(cpus), AudioCpuIsolation.AllowedCpuList(AudioCpuIsolation.CurrentThreadId()));
    }
}
