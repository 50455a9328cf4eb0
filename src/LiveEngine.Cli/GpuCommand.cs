using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Gpu;

namespace LiveEngine.Cli;

/// <summary>
/// <c>liveengine gpu</c>: lists the accelerators ILGPU finds (CUDA, OpenCL, its CPU accelerator), says which one the GPU
/// path would use, and times one convolution period of 64 lanes × 1 s responses (512-frame partitions) on every
/// accelerator and on the CPU path, after a warm-up.
/// </summary>
internal static class GpuCommand
{
    private const int Lanes = 64;
    private const int Partition = 512;
    private const int ResponseFrames = 48_000;
    private const int Periods = 20;

    public static Command Create()
    {
        var command = new Command("gpu", "List the GPU accelerators (ILGPU) and time a batched convolution on each and on the CPU.");
        command.SetAction(_ =>
        {
            using Context context = GpuAccelerators.CreateContext();
            Console.WriteLine("accelerators:");
            foreach (string line in GpuAccelerators.Describe(context))
            {
                Console.WriteLine("  " + line);
            }

            if (!context.Devices.Any(d => d.AcceleratorType != AcceleratorType.CPU))
            {
                Console.WriteLine("  (no CUDA or OpenCL device: the GPU path would run on the CPU accelerator, slower than the CPU path)");
            }

            Device preferred = GpuAccelerators.Preferred(context);
            Console.WriteLine($"the GPU path uses: {preferred.AcceleratorType} {preferred.Name}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"benchmark: {Lanes} lanes x {ResponseFrames} frames, partition {Partition}, mean of {Periods} periods after one"));
            var random = new Random(1);
            float[][] responses = [.. Enumerable.Range(0, Lanes).Select(_ => Enumerable.Range(0, ResponseFrames).Select(i => (float)((random.NextDouble() - 0.5) * Math.Exp(-i / 8_000.0))).ToArray())];
            Time("CPU path (SIMD)", new GpuConvolutionBatch(responses, Partition, null, null) { TimeoutMs = double.PositiveInfinity }, accelerated: false);
            foreach (Device device in context.Devices)
            {
                Time($"{device.AcceleratorType} {device.Name}", new GpuConvolutionBatch(responses, Partition, context, device) { TimeoutMs = double.PositiveInfinity }, accelerated: true);
            }

            DescribePlacement(context, preferred);
            return 0;
        });
        return command;
    }

    /// <summary>The placement's measurements on <paramref name="device"/> and what <c>gpu = "auto"</c> would place from them (docs/convolution.md, "GPU placement").</summary>
    private static void DescribePlacement(Context context, Device device)
    {
        using var placement = new GpuConvolutionPlacement(context, device, new GpuPlacementOptions { Mode = GpuMode.Auto });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"placement: a launch {placement.LaunchCostNs / 1000:F0} us on {placement.AcceleratorName}, the CPU {placement.CpuNsPerBin:F2} ns per bin and partition"));
        var rule = new List<string>();
        foreach (int partition in new[] { 1_024, 4_096, 16_384 })
        {
            int least = (int)Math.Max(1, Math.Ceiling(placement.LaunchCostNs / ((partition + 1) * placement.CpuNsPerBin)));
            rule.Add(string.Create(CultureInfo.InvariantCulture, $"{partition}-frame levels from {least} partitions x paths"));
        }

        string here = device.AcceleratorType == AcceleratorType.CPU ? " (here nothing: auto never uses the CPU accelerator)" : string.Empty;
        Console.WriteLine($"  gpu = \"auto\" places {string.Join(", ", rule)}{here}");
    }

    private static void Time(string name, GpuConvolutionBatch batch, bool accelerated)
    {
        using (batch)
        {
            float[][] input = [.. Enumerable.Range(0, Lanes).Select(_ => new float[Partition])];
            float[][] output = [.. Enumerable.Range(0, Lanes).Select(_ => new float[Partition])];
            batch.Process(input, output);
            var clock = Stopwatch.StartNew();
            for (int p = 0; p < Periods; p++)
            {
                batch.Process(input, output);
            }

            double ms = clock.Elapsed.TotalMilliseconds / Periods;
            double budget = Partition * 1000.0 / 48_000;
            string note = accelerated && batch.UsingFallback ? $" (fell back to the CPU: {batch.FallbackReason})" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} {ms,8:F2} ms per period ({budget:F2} ms of audio){note}"));
        }
    }
}
