using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Live;

namespace LiveEngine.Gpu;

/// <summary>
/// The GPU placement of convolutions: every placed level of every <c>convolution</c> node (its long partitions) is
/// computed in <b>one</b> accelerator launch per deferred block. The render-ahead thread calls
/// <see cref="DeferredBlockRendered"/> after each deferred block; the launch (uploads of the new input spectra, one kernel
/// over all lanes and bins, read-back) runs on the placement's launcher thread and is waited for at most
/// <see cref="TimeoutMs"/>. A level collects the sums a period after it submitted its spectra; when the launch failed,
/// was late, or did not run (a live block, no render-ahead), the level computes them itself from the same host data,
/// so the output is the same either way. After a failure or a late launch the placement stays failed: every placed
/// level runs on the CPU from then on.
/// </summary>
/// <remarks>
/// Placement rule (<see cref="ShouldPlace"/>): a level is placed when its partition is at least
/// <see cref="GpuPlacementOptions.MinPartitionFrames"/> (the deferred block, so that a launch always falls between a
/// level's submission and its collection) and, in <see cref="GpuMode.Auto"/>, when the CPU time of its
/// multiply-accumulates per period (paths × partitions × bins × <see cref="CpuNsPerBin"/>, measured) is at least the
/// measured cost of a launch (<see cref="LaunchCostNs"/>); <see cref="GpuMode.CpuAccelerator"/> places every level of
/// that size (for tests: ILGPU's CPU accelerator is slower than the SIMD CPU path).
/// </remarks>
public sealed class GpuConvolutionPlacement : IConvolutionOffload, IDeferredBlockHook, IDisposable
{
    private const int TableStride = 8;

    private readonly Lock _levelsLock = new();
    private readonly List<GpuPlacedLevel> _levels = [];
    private GpuPlacedLevel[] _published = [];
    private int _layoutVersion;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<int>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _kernel;

    // Launcher thread only (the render thread reads _deviceVersion).
    private int _deviceVersion;
    private GpuPlacedLevel[] _deviceLevels = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceDelayRe;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceDelayIm;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceResponseRe;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceResponseIm;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceSumRe;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceSumIm;
    private MemoryBuffer1D<int, Stride1D.Dense>? _deviceTable;
    private int[] _table = [];
    private GpuPlacedLevel?[] _launched = [];
    private long[] _launchedSubmission = [];

    private readonly Thread _launcher;
    // Wakes the launcher: for a launch (_launchWanted) or a new layout (_layoutVersion moved past _deviceVersion).
    private readonly ManualResetEventSlim _launchRequested = new(false);
    private readonly ManualResetEventSlim _launchFinished = new(false);
    private int _launchWanted;
    private Exception? _launchError;
    private volatile bool _stopping;
    private volatile bool _failed;
    private bool _abandoned;

    // Render-ahead thread (the levels read _inDeferredBlock on the executor's workers, inside the block it brackets).
    private volatile bool _inDeferredBlock;
    private bool _launchInFlight;
    private long _launchStart;
    private long _launches;
    private long _deferredBlocks;
    private long _collects;

    /// <summary>Creates the accelerator of <paramref name="device"/>, compiles the kernel and measures a launch and the CPU's multiply-accumulate. Control thread.</summary>
    public GpuConvolutionPlacement(Context context, Device device, GpuPlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        _context = context;
        Options = options;
        _accelerator = device.CreateAccelerator(context);
        AcceleratorName = $"{device.AcceleratorType} {device.Name}";
        _kernel = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(MultiplyAccumulateKernel);
        LaunchCostNs = MeasureLaunchNs();
        CpuNsPerBin = MeasureCpuNsPerBin();
        _launcher = new Thread(RunLauncher) { IsBackground = true, Name = "liveengine gpu placement" };
        _launcher.Start();
    }

    /// <summary>
    /// The placement <paramref name="mode"/> asks for here, or null (off; or auto on a machine whose only accelerator
    /// is ILGPU's CPU accelerator, which is slower than the CPU path). <paramref name="why"/> says which, in words.
    /// </summary>
    /// <param name="mode">Off, auto or the CPU accelerator.</param>
    /// <param name="minPartitionFrames">The deferred block: the smallest partition placed.</param>
    /// <param name="timeoutMs">The longest the render-ahead thread waits for a launch (<see cref="GpuPlacementOptions.TimeoutMs"/>).</param>
    /// <param name="why">What was done, in words.</param>
    public static GpuConvolutionPlacement? Create(GpuMode mode, int minPartitionFrames, double timeoutMs, out string why)
    {
        if (mode == GpuMode.Off)
        {
            why = "gpu placement off";
            return null;
        }

        Context context = GpuAccelerators.CreateContext();
        try
        {
            Device device = mode == GpuMode.CpuAccelerator ? GpuAccelerators.Cpu(context) : GpuAccelerators.Preferred(context);
            if (mode == GpuMode.Auto && device.AcceleratorType == AcceleratorType.CPU)
            {
                context.Dispose();
                why = "gpu placement auto: no CUDA or OpenCL device, convolutions stay on the CPU";
                return null;
            }

            var placement = new GpuConvolutionPlacement(context, device, new GpuPlacementOptions { Mode = mode, MinPartitionFrames = minPartitionFrames, TimeoutMs = timeoutMs }) { OwnsContext = true };
            why = $"gpu placement {(mode == GpuMode.Auto ? "auto" : "cpu-accelerator")} on {placement.AcceleratorName}: launch {placement.LaunchCostNs / 1000:F0} us, CPU {placement.CpuNsPerBin:F2} ns per bin and partition; partitions of {minPartitionFrames}+ frames placed{(mode == GpuMode.Auto ? " where they cost the CPU more than a launch" : string.Empty)}, a launch waited for at most {timeoutMs:0.#} ms";
            return placement;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context.Dispose();
            why = $"gpu placement unavailable ({e.Message}): convolutions stay on the CPU";
            return null;
        }
    }

    public GpuPlacementOptions Options { get; }

    public string AcceleratorName { get; }

    /// <summary>Median time of one small launch (upload, kernel, synchronise, read-back), measured at construction, ns.</summary>
    public double LaunchCostNs { get; }

    /// <summary>CPU time of one complex multiply-accumulate per bin (SIMD, <see cref="SpectrumKernels.MultiplyAccumulate"/>), measured at construction, ns.</summary>
    public double CpuNsPerBin { get; }

    /// <summary>The longest the render-ahead thread waits for a launch; a later one fails the placement (CPU from then on).</summary>
    public double TimeoutMs => Options.TimeoutMs;

    /// <summary>Whether a launch failed or was late: every placed level computes on the CPU from then on.</summary>
    public bool Failed => _failed;

    public string? FailureReason { get; private set; }

    /// <summary>Launches that finished in time.</summary>
    public long Launches => Interlocked.Read(ref _launches);

    /// <summary>Periods of placed levels whose sums came from the accelerator.</summary>
    public long Collects => Interlocked.Read(ref _collects);

    /// <summary>Calls of <see cref="DeferredBlockRendered"/>: the launch opportunities so far. Levels submit only while it moves.</summary>
    public long DeferredBlocks => Volatile.Read(ref _deferredBlocks);

    /// <summary>Levels placed and not released.</summary>
    public int PlacedLevels => Volatile.Read(ref _published).Length;

    /// <summary>Tests only: runs on the launcher thread before each launch (to make one fail or hang).</summary>
    internal Action? BeforeLaunch { get; set; }

    // Launcher thread: the sums of the last launch, [lane][bin] in the device layout, before they go to their levels.
    private float[] _hostSumRe = [];
    private float[] _hostSumIm = [];

    /// <summary>Whether <see cref="Dispose"/> disposes the context too (the placement made it).</summary>
    internal bool OwnsContext { get; init; }

    public bool ShouldPlace(int partitionFrames, int partitions, int paths)
    {
        if (_failed || partitionFrames < Options.MinPartitionFrames)
        {
            return false;
        }

        return Options.Mode == GpuMode.CpuAccelerator || (paths * (double)partitions * (partitionFrames + 1) * CpuNsPerBin >= LaunchCostNs);
    }

    public IOffloadedConvolutionLevel Place(float[][] delayLineRe, float[][] delayLineIm, float[][] responseRe, float[][] responseIm, ConvolutionPath[] paths, int partitions, int bins)
    {
        var level = new GpuPlacedLevel(this, delayLineRe, delayLineIm, responseRe, responseIm, paths, partitions, bins);
        lock (_levelsLock)
        {
            _levels.Add(level);
            Publish();
        }

        return level;
    }

    /// <summary>Whether a deferred block is being rendered now: a level submits its spectra only then (never in a live pass).</summary>
    internal bool InDeferredBlock => _inDeferredBlock;

    /// <summary>
    /// The render-ahead thread, before a deferred block: false while the launch started after the last block (in a
    /// split graph) still runs within its time limit, so that this block's levels collect its sums; a launch past the
    /// limit is abandoned (the CPU path from then on) and the block goes ahead. Allocates nothing; never throws.
    /// </summary>
    public bool TryBeginDeferredBlock()
    {
        if (_launchInFlight && !FinishLaunch(wait: false))
        {
            return false;
        }

        _inDeferredBlock = true;
        return true;
    }

    /// <summary>
    /// The render-ahead thread, after each deferred block: when a placed level submitted spectra, starts one launch for
    /// all of them. In a wholly deferred graph it waits for it, at most <see cref="TimeoutMs"/>; in a split graph
    /// (<paramref name="split"/>) it returns at once, the live pass renders on, and <see cref="TryBeginDeferredBlock"/>
    /// holds the next deferred block until the launch is done. Allocates nothing; never throws.
    /// </summary>
    public void DeferredBlockRendered(bool split)
    {
        _inDeferredBlock = false;
        Volatile.Write(ref _deferredBlocks, _deferredBlocks + 1);
        if (_launchInFlight)
        {
            FinishLaunch(wait: true);
        }

        if (_failed)
        {
            return;
        }

        bool any = false;
        foreach (GpuPlacedLevel level in Volatile.Read(ref _published))
        {
            any |= level.Pending;
        }

        // While the launcher lays out a new placement (after an edit) the levels compute on the CPU: never wait for that.
        if (!any || Volatile.Read(ref _layoutVersion) != Volatile.Read(ref _deviceVersion))
        {
            return;
        }

        _launchStart = Stopwatch.GetTimestamp();
        _launchInFlight = true;
        _launchFinished.Reset();
        Volatile.Write(ref _launchWanted, 1);
        _launchRequested.Set();
        if (!split)
        {
            FinishLaunch(wait: true);
        }
    }

    /// <summary>
    /// Render-ahead thread: ends the launch in flight, waiting for it up to the time limit (<paramref name="wait"/>) or
    /// not at all; false when it still runs within the limit (only without waiting). A launch that failed, is past the
    /// limit or finished late fails the placement.
    /// </summary>
    private bool FinishLaunch(bool wait)
    {
        double leftMs = TimeoutMs - Stopwatch.GetElapsedTime(_launchStart).TotalMilliseconds;
        bool finished = wait
            ? _launchFinished.Wait((int)Math.Clamp(Math.Ceiling(leftMs), 0, int.MaxValue))
            : _launchFinished.IsSet;
        if (!finished && !wait && leftMs > 0)
        {
            return false;
        }

        _launchInFlight = false;
        if (!finished)
        {
            _abandoned = true;
            Fail($"a launch took more than {TimeoutMs} ms: abandoned, the CPU path runs from here");
            return true;
        }

        if (_launchError is { } error)
        {
            Fail($"accelerator error: {error.Message}");
            return true;
        }

        double elapsedMs = Stopwatch.GetElapsedTime(_launchStart).TotalMilliseconds;
        if (wait && elapsedMs > TimeoutMs)
        {
            Fail($"a launch took {elapsedMs:F1} ms (more than {TimeoutMs} ms): the CPU path runs from here");
            return true;
        }

        Interlocked.Increment(ref _launches);
        return true;
    }

    public void Dispose()
    {
        _stopping = true;
        _launchRequested.Set();
        if (_abandoned || !_launcher.Join(TimeSpan.FromSeconds(5)))
        {
            // A launch still hangs on the accelerator: leave its buffers to it rather than free them under it.
            return;
        }

        DisposeDeviceBuffers();
        _accelerator.Dispose();
        if (OwnsContext)
        {
            _context.Dispose();
        }

        _launchRequested.Dispose();
        _launchFinished.Dispose();
    }

    internal void CountCollect() => Interlocked.Increment(ref _collects);

    internal void Remove(GpuPlacedLevel level)
    {
        lock (_levelsLock)
        {
            _levels.Remove(level);
            Publish();
        }
    }

    /// <summary>One thread per (lane, bin) of the launch: Σ over partitions k of X[slot − k] · H[k], in partition order.</summary>
    private static void MultiplyAccumulateKernel(Index1D index, ArrayView<int> table, int lanes, ArrayView<float> delayRe, ArrayView<float> delayIm, ArrayView<float> responseRe, ArrayView<float> responseIm, ArrayView<float> sumRe, ArrayView<float> sumIm)
    {
        // The lane: the last whose first thread is at or before this one.
        int low = 0;
        int high = lanes - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (table[middle * TableStride] <= index)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        int at = low * TableStride;
        int bin = index - table[at];
        int delay = table[at + 1];
        int response = table[at + 2];
        int sum = table[at + 3];
        int bins = table[at + 4];
        int partitions = table[at + 5];
        int slot = table[at + 6];
        float re = 0f;
        float im = 0f;
        for (int k = 0; k < partitions; k++)
        {
            int s = slot - k < 0 ? slot - k + partitions : slot - k;
            int x = delay + (s * bins) + bin;
            int h = response + (k * bins) + bin;
            float xr = delayRe[x];
            float xi = delayIm[x];
            float hr = responseRe[h];
            float hi = responseIm[h];
            re += (xr * hr) - (xi * hi);
            im += (xr * hi) + (xi * hr);
        }

        sumRe[sum + bin] = re;
        sumIm[sum + bin] = im;
    }

    /// <summary>Control thread, under the lock: publishes the placed levels and wakes the launcher to lay them out.</summary>
    private void Publish()
    {
        Volatile.Write(ref _published, [.. _levels]);
        Volatile.Write(ref _layoutVersion, _layoutVersion + 1);
        _launchRequested.Set();
    }

    private void Fail(string reason)
    {
        FailureReason = reason;
        _failed = true;
    }

    private void RunLauncher()
    {
        while (true)
        {
            _launchRequested.Wait();
            _launchRequested.Reset();
            if (_stopping)
            {
                return;
            }

            if (Volatile.Read(ref _layoutVersion) != _deviceVersion)
            {
                try
                {
                    Rebuild();
                }
                catch (Exception e)
                {
                    Fail($"accelerator error while laying out the placed convolutions: {e.Message}");
                }
            }

            if (Interlocked.Exchange(ref _launchWanted, 0) == 0)
            {
                continue;
            }

            try
            {
                BeforeLaunch?.Invoke();
                Launch();
                _launchError = null;
            }
            catch (Exception e)
            {
                _launchError = e;
            }

            _launchFinished.Set();
        }
    }

    /// <summary>Launcher thread, while the render thread waits: uploads the submitted spectra, runs the kernel once over every submitted lane, reads the sums back.</summary>
    private void Launch()
    {
        if (Volatile.Read(ref _layoutVersion) != _deviceVersion)
        {
            // Placed or released between the render thread's check and this launch: lay out first (rare).
            Rebuild();
        }

        int lanes = 0;
        int threads = 0;
        int launched = 0;
        foreach (GpuPlacedLevel level in _deviceLevels)
        {
            if (!level.Pending)
            {
                continue;
            }

            long submission = level.Submitted;
            bool whole = level.TakeWholeUploadRequest() | submission != level.Uploaded + 1;
            int line = level.Partitions * level.Bins;
            for (int p = 0; p < level.Paths.Length; p++)
            {
                ConvolutionPath path = level.Paths[p];
                int delay = level.DelayOffset + (p * line);
                int from = whole ? 0 : level.Slot * level.Bins;
                int count = whole ? line : level.Bins;
                Upload(_deviceDelayRe!, delay + from, level.DelayLineRe[path.Input].AsSpan(from, count));
                Upload(_deviceDelayIm!, delay + from, level.DelayLineIm[path.Input].AsSpan(from, count));
                int t = lanes * TableStride;
                _table[t] = threads;
                _table[t + 1] = delay;
                _table[t + 2] = level.ResponseOffset + (p * line);
                _table[t + 3] = level.SumOffset + (p * level.Bins);
                _table[t + 4] = level.Bins;
                _table[t + 5] = level.Partitions;
                _table[t + 6] = level.Slot;
                threads += level.Bins;
                lanes++;
            }

            level.Uploaded = submission;
            _launched[launched] = level;
            _launchedSubmission[launched] = submission;
            launched++;
        }

        if (lanes == 0)
        {
            return;
        }

        ArrayView<int> table = _deviceTable!.View;
        ReadOnlySpan<int> hostTable = _table.AsSpan(0, lanes * TableStride);
        table.SubView(0, hostTable.Length).CopyFromCPU(hostTable);
        _kernel(threads, _deviceTable.View, lanes, _deviceDelayRe!.View, _deviceDelayIm!.View, _deviceResponseRe!.View, _deviceResponseIm!.View, _deviceSumRe!.View, _deviceSumIm!.View);
        _accelerator.Synchronize();
        _deviceSumRe.View.CopyToCPU(_hostSumRe);
        _deviceSumIm.View.CopyToCPU(_hostSumIm);
        for (int i = 0; i < launched; i++)
        {
            GpuPlacedLevel level = _launched[i]!;
            int length = level.Paths.Length * level.Bins;
            _hostSumRe.AsSpan(level.SumOffset, length).CopyTo(level.SumRe);
            _hostSumIm.AsSpan(level.SumOffset, length).CopyTo(level.SumIm);
            level.MarkComputed(_launchedSubmission[i]);
        }
    }

    /// <summary>Launcher thread: lays out every placed level on the device anew (after a placement or a release) and uploads the responses.</summary>
    private void Rebuild()
    {
        int version;
        GpuPlacedLevel[] levels;
        lock (_levelsLock)
        {
            version = _layoutVersion;
            levels = _published;
        }

        DisposeDeviceBuffers();
        int lines = 0;
        int sums = 0;
        int lanes = 0;
        foreach (GpuPlacedLevel level in levels)
        {
            level.DelayOffset = lines;
            level.ResponseOffset = lines;
            level.SumOffset = sums;
            level.Uploaded = -1;
            lines += level.Paths.Length * level.Partitions * level.Bins;
            sums += level.Paths.Length * level.Bins;
            lanes += level.Paths.Length;
        }

        int size = Math.Max(1, lines);
        _deviceDelayRe = _accelerator.Allocate1D<float>(size);
        _deviceDelayIm = _accelerator.Allocate1D<float>(size);
        _deviceResponseRe = _accelerator.Allocate1D<float>(size);
        _deviceResponseIm = _accelerator.Allocate1D<float>(size);
        _deviceSumRe = _accelerator.Allocate1D<float>(Math.Max(1, sums));
        _deviceSumIm = _accelerator.Allocate1D<float>(Math.Max(1, sums));
        _deviceTable = _accelerator.Allocate1D<int>(Math.Max(1, lanes) * TableStride);
        _table = new int[Math.Max(1, lanes) * TableStride];
        _launched = new GpuPlacedLevel?[levels.Length];
        _launchedSubmission = new long[levels.Length];
        foreach (GpuPlacedLevel level in levels)
        {
            int line = level.Partitions * level.Bins;
            for (int p = 0; p < level.Paths.Length; p++)
            {
                Upload(_deviceResponseRe, level.ResponseOffset + (p * line), level.ResponseRe[p].AsSpan(0, line));
                Upload(_deviceResponseIm, level.ResponseOffset + (p * line), level.ResponseIm[p].AsSpan(0, line));
            }
        }

        _hostSumRe = new float[Math.Max(1, sums)];
        _hostSumIm = new float[Math.Max(1, sums)];
        _deviceLevels = levels;
        Volatile.Write(ref _deviceVersion, version);
    }

    private static void Upload(MemoryBuffer1D<float, Stride1D.Dense> buffer, int at, ReadOnlySpan<float> host)
    {
        ArrayView<float> view = buffer.View;
        view.SubView(at, host.Length).CopyFromCPU(host);
    }

    private void DisposeDeviceBuffers()
    {
        _deviceDelayRe?.Dispose();
        _deviceDelayIm?.Dispose();
        _deviceResponseRe?.Dispose();
        _deviceResponseIm?.Dispose();
        _deviceSumRe?.Dispose();
        _deviceSumIm?.Dispose();
        _deviceTable?.Dispose();
    }

    /// <summary>The median of five launches of one lane of 1,025 bins and four partitions (the kernel compiles on the first, not timed).</summary>
    private double MeasureLaunchNs()
    {
        const int Bins = 1025;
        const int Partitions = 4;
        using MemoryBuffer1D<float, Stride1D.Dense> data = _accelerator.Allocate1D<float>(Bins * Partitions);
        using MemoryBuffer1D<float, Stride1D.Dense> sum = _accelerator.Allocate1D<float>(Bins);
        using MemoryBuffer1D<int, Stride1D.Dense> table = _accelerator.Allocate1D([0, 0, 0, 0, Bins, Partitions, 0, 0]);
        data.MemSetToZero();
        var host = new float[Bins];
        var times = new double[6];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            data.View.SubView(0, Bins).CopyFromCPU(host);
            _kernel(Bins, table.View, 1, data.View, data.View, data.View, data.View, sum.View, sum.View);
            _accelerator.Synchronize();
            sum.View.CopyToCPU(host);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6;
        }

        double[] timed = [.. times.Skip(1).Order()];
        return timed[timed.Length / 2];
    }

    /// <summary>ns per bin of <see cref="SpectrumKernels.MultiplyAccumulate"/> over 1,025 bins, the fastest of five runs of 200 after 2,000 unmeasured.</summary>
    private static double MeasureCpuNsPerBin()
    {
        const int Bins = 1025;
        var a = new float[Bins];
        var b = new float[Bins];
        var sumRe = new float[Bins];
        var sumIm = new float[Bins];
        a.AsSpan().Fill(0.5f);
        b.AsSpan().Fill(0.25f);
        // Past the JIT's first tier first: a cold process would time unoptimised code (five times slower here).
        for (int r = 0; r < 2_000; r++)
        {
            SpectrumKernels.MultiplyAccumulate(sumRe, sumIm, a, b, b, a);
        }

        Thread.Sleep(250);
        var times = new double[5];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < 200; r++)
            {
                SpectrumKernels.MultiplyAccumulate(sumRe, sumIm, a, b, b, a);
            }

            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / (200.0 * Bins);
        }

        // The fastest run: on a shared machine the others include time the thread was not running.
        return times.Min();
    }
}
