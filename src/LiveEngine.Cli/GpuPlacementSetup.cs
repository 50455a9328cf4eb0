using System.CommandLine;
using System.Globalization;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Spectral;
using LiveEngine.Gpu;
using LiveEngine.Nodes;

namespace LiveEngine.Cli;

/// <summary><c>--gpu</c> and repl.config <c>[engine] gpu</c>: the GPU placement of convolutions for <c>play</c> and <c>render</c>.</summary>
internal static class GpuPlacementSetup
{
    public static readonly string[] Modes = ["off", "auto", "cpu-accelerator"];

    /// <summary>An offline render's limit on a launch, ms: no device waits, so only a launch that hangs ends the placement.</summary>
    public const double OfflineTimeoutMs = 10_000;

    public static Option<string?> Option() => new("--gpu") { Description = "Where convolutions' long partitions (and the frames of spectral nodes with the option gpu = on) run, with render-ahead: off, auto (a CUDA or OpenCL device, where a launch costs less than the CPU work) or cpu-accelerator (ILGPU's CPU accelerator, for checking) (repl.config [engine] gpu; default off)." };

    /// <summary>The mode of <paramref name="text"/> (from <paramref name="option"/>).</summary>
    public static GpuMode Parse(string text, string option) => text switch
    {
        "off" => GpuMode.Off,
        "auto" => GpuMode.Auto,
        "cpu-accelerator" => GpuMode.CpuAccelerator,
        _ => throw new CliException($"{option} must be one of {string.Join(", ", Modes)}, not '{text}'."),
    };

    /// <summary>
    /// The render-ahead setting a <paramref name="gpu"/> mode needs: the placement runs in the deferred domain only, so
    /// a mode other than off turns render-ahead on, and refuses an explicit <c>--render-ahead off</c>.
    /// </summary>
    public static bool? RenderAheadFor(GpuMode gpu, bool? renderAhead)
    {
        if (gpu == GpuMode.Off)
        {
            return renderAhead;
        }

        if (renderAhead == false)
        {
            throw new CliException("--gpu needs render-ahead (the GPU path runs only in the deferred domain, ahead of the device): drop --render-ahead off, or give --gpu off.");
        }

        return true;
    }

    /// <summary>
    /// Creates the placement for <paramref name="mode"/> (null for off, or auto without a CUDA or OpenCL device) and
    /// makes <paramref name="registry"/>'s convolutions and pipelined spectral nodes (option <c>gpu = on</c>) use it; says what it did on standard error. A launch is waited
    /// for at most half the look-ahead (<paramref name="renderAheadMs"/>) when a device plays, so that a late one never
    /// empties the ring; 10 s in an offline render (<paramref name="offline"/>), which has no device to be late for.
    /// </summary>
    public static GpuConvolutionPlacement? Install(GpuMode mode, int deferredBlockFrames, double renderAheadMs, bool offline, NodeTypeRegistry registry)
    {
        double timeoutMs = offline ? OfflineTimeoutMs : renderAheadMs / 2;
        GpuConvolutionPlacement? placement = GpuConvolutionPlacement.Create(mode, deferredBlockFrames, timeoutMs, out string why);
        if (mode != GpuMode.Off)
        {
            Console.Error.WriteLine(why + ".");
        }

        if (placement is not null)
        {
            IConvolutionOffload.Install(registry, placement);
            ISpectralOffload.Install(registry, placement);
        }

        return placement;
    }

    /// <summary>What the placement did, on standard error.</summary>
    public static void Report(GpuConvolutionPlacement? placement)
    {
        if (placement is null)
        {
            return;
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GPU placement: {placement.Launches} launches, {placement.Collects} periods of placed partitions from {placement.AcceleratorName}{(placement.Failed ? $"; then fell back to the CPU: {placement.FailureReason}" : string.Empty)}."));
        if (placement.SpectralCollects > 0 || placement.PlacedSpectralNodes > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GPU placement: {placement.SpectralCollects} frames of {placement.PlacedSpectralNodes} pipelined spectral nodes from {placement.AcceleratorName}."));
        }
    }
}
