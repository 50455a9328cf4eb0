namespace LiveEngine.Gpu;

/// <summary>repl.config <c>[engine] gpu</c> and <c>--gpu</c>: where convolutions' long partitions and pipelined spectral nodes' frames (option <c>gpu = on</c>) run.</summary>
public enum GpuMode
{
    /// <summary>On the CPU only (the default).</summary>
    Off,

    /// <summary>On a CUDA or OpenCL device when there is one, level by level where a launch costs less than the CPU work it replaces.</summary>
    Auto,

    /// <summary>Every level that may move, on ILGPU's CPU accelerator: slower than the CPU path; for tests and for checking the GPU path without a GPU.</summary>
    CpuAccelerator,
}
