using ILGPU;
using ILGPU.Runtime;

namespace LiveEngine.Gpu;

/// <summary>The accelerators ILGPU finds here, and the one the GPU path uses: CUDA, else OpenCL, else ILGPU's CPU accelerator.</summary>
public static class GpuAccelerators
{
    /// <summary>A context with every accelerator kind enabled (CPU accelerator included). The caller disposes it.</summary>
    public static Context CreateContext() => Context.Create(builder => builder.AllAccelerators());

    /// <summary>The preferred device of <paramref name="context"/>: CUDA, then OpenCL, then the CPU accelerator.</summary>
    public static Device Preferred(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (AcceleratorType type in new[] { AcceleratorType.Cuda, AcceleratorType.OpenCL, AcceleratorType.CPU })
        {
            Device? device = context.Devices.FirstOrDefault(d => d.AcceleratorType == type);
            if (device is not null)
            {
                return device;
            }
        }

        throw new InvalidOperationException("ILGPU found no accelerator, not even its CPU accelerator.");
    }

    /// <summary>The CPU accelerator's device: the one CI can always run.</summary>
    public static Device Cpu(Context context) =>
        context.Devices.First(d => d.AcceleratorType == AcceleratorType.CPU);

    /// <summary>One line per device: kind, name, memory.</summary>
    public static IReadOnlyList<string> Describe(Context context) =>
        [.. context.Devices.Select(d => $"{d.AcceleratorType,-7} {d.Name} ({d.MemorySize / (1024 * 1024)} MiB)")];
}
