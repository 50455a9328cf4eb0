using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Benchmarks.Nodes;

/// <summary>
/// Per-block cost of "convolution" with a 2 s stereo response at 128-frame blocks, in the thread's CPU time
/// (CLOCK_THREAD_CPUTIME_ID), so that a loaded, shared machine inflates it far less than wall time: 20 s of audio
/// after 2 s of warm-up; mean, 99th percentile and worst block, and the real-time factor (block duration / mean cost).
/// Run: dotnet run -c Release --project tests/LiveEngine.Benchmarks -- convolution-cost
/// </summary>
internal static unsafe partial class ConvolutionCost
{
    private const int Frames = 128;
    private const int SampleRate = 48_000;

    public static void Run()
    {
        float[][] channels = [.. Enumerable.Range(0, 4).Select(c => DecayingNoise(2 * SampleRate, c))];
        SampleLibrary.Shared.Add("cost-ir-stereo", [channels[0], channels[1]], SampleRate);
        SampleLibrary.Shared.Add("cost-ir-true-stereo", channels, SampleRate);
        Measure("2 s stereo, non-uniform (latency 0)", "cost-ir-stereo", "nonuniform");
        Measure("2 s true stereo, non-uniform (latency 0)", "cost-ir-true-stereo", "nonuniform");
        Measure("2 s stereo, uniform 512 (latency 512)", "cost-ir-stereo", "uniform");
    }

    private static void Measure(string name, string ir, string scheme)
    {
        float[] parameters = [1, 1];
        float[] arena = GC.AllocateArray<float>((4 * Frames) + 16, pinned: true);
        float* basePointer = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(arena)) + 63) & ~(nuint)63);
        int[] inputs = [0, Frames];
        int[] outputs = [2 * Frames, 3 * Frames];
        var random = new Random(1);
        var node = new ConvolutionNode();
        node.Prepare(new PrepareContext(SampleRate, Frames, 2, parameters, 1, new Dictionary<string, string> { ["ir"] = ir, ["scheme"] = scheme }), null);
        int warmUp = 2 * SampleRate / Frames;
        int blocks = 20 * SampleRate / Frames;
        var costs = new long[blocks];
        for (int b = -warmUp; b < blocks; b++)
        {
            for (int i = 0; i < 2 * Frames; i++)
            {
                basePointer[i] = (float)(random.NextDouble() - 0.5);
            }

            var context = new ProcessContext(basePointer, inputs, outputs, parameters, Frames, 0);
            long start = ThreadCpuNs();
            node.Process(in context);
            long cost = ThreadCpuNs() - start;
            if (b >= 0)
            {
                costs[b] = cost;
            }
        }

        Array.Sort(costs);
        double mean = costs.Average();
        double blockNs = Frames * 1e9 / SampleRate;
        Console.WriteLine($"{name}: mean {mean / 1000:F1} µs/block, p99 {costs[(int)(blocks * 0.99)] / 1000.0:F1} µs, max {costs[^1] / 1000.0:F1} µs, real-time factor {blockNs / mean:F0}x ({blocks} blocks of {Frames})");
    }

    private static long ThreadCpuNs()
    {
        ClockGetTime(3, out Timespec time); // CLOCK_THREAD_CPUTIME_ID
        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    private static float[] DecayingNoise(int frames, int seed)
    {
        var random = new Random(seed);
        var noise = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            noise[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / frames));
        }

        return noise;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
