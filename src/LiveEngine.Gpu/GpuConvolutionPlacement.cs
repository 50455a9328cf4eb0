using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Spectral;
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
/// <para>
/// It places pipelined spectral nodes (option <c>gpu = on</c>) too (<see cref="ISpectralOffload"/>): the frames such a
/// node analysed in a deferred block are computed in the same launch (one kernel over every (channel, bin) of every
/// placed spectral node, the vocoder per (channel, band), each thread through the node's pending frames in order),
/// from the node's host state, uploaded with them; the results and the state after the last frame are read back, and
/// the node collects them before the frames are due (a pipeline delay later). Frames the launch did not compute the
/// node computes on the CPU, the same way.
/// </para>
/// </summary>
/// <remarks>
/// Placement rule (<see cref="ShouldPlace(int, int, int)"/>): a level is placed when its partition is at least
/// <see cref="GpuPlacementOptions.MinPartitionFrames"/> (the deferred block, so that a launch always falls between a
/// level's submission and its collection) and, in <see cref="GpuMode.Auto"/>, when the CPU time of its
/// multiply-accumulates per period (paths × partitions × bins × <see cref="CpuNsPerBin"/>, measured) is at least the
/// measured cost of a launch (<see cref="LaunchCostNs"/>); <see cref="GpuMode.CpuAccelerator"/> places every level of
/// that size (for tests: ILGPU's CPU accelerator is slower than the SIMD CPU path).
/// </remarks>
public sealed class GpuConvolutionPlacement : IConvolutionOffload, ISpectralOffload, IDeferredBlockHook, IDisposable
{
    private const int TableStride = 8;
    private const int SpectralTableStride = 16;

    private readonly Lock _levelsLock = new();
    private readonly List<GpuPlacedLevel> _levels = [];
    private GpuPlacedLevel[] _published = [];
    private readonly List<GpuPlacedSpectralNode> _spectralNodes = [];
    private GpuPlacedSpectralNode[] _publishedSpectral = [];
    private int _layoutVersion;
    private readonly Lock _measureLock = new();
    private readonly Dictionary<(Type Type, int Channels), double> _spectralCpuNsPerFrame = [];

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

    // Launcher thread: the spectral nodes' device layout (see SpectralKernel) and its host mirrors.
    private readonly Action<Index1D, ArrayView<int>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>> _spectralKernel;
    private GpuPlacedSpectralNode[] _deviceSpectral = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceFrameRe;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceFrameIm;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceResultRe;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceResultIm;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceValues;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceMagnitudes;
    private MemoryBuffer1D<double, Stride1D.Dense>? _devicePhases;
    private MemoryBuffer1D<double, Stride1D.Dense>? _deviceSteps;
    private MemoryBuffer1D<double, Stride1D.Dense>? _devicePreviousPhases;
    private MemoryBuffer1D<int, Stride1D.Dense>? _deviceBandStarts;
    private MemoryBuffer1D<int, Stride1D.Dense>? _deviceSpectralTable;
    private int[] _spectralTable = [];
    private float[] _hostValues = [];
    private float[] _hostResultRe = [];
    private float[] _hostResultIm = [];
    private float[] _hostMagnitudes = [];
    private double[] _hostPhases = [];
    private double[] _hostSteps = [];
    private double[] _hostPreviousPhases = [];
    private GpuPlacedSpectralNode?[] _launchedSpectral = [];
    private long[] _launchedFrom = [];
    private long[] _launchedThrough = [];

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
    private long _spectralCollects;

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
        _spectralKernel = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>>(SpectralKernel);
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

    /// <summary>Spectral nodes placed and not released.</summary>
    public int PlacedSpectralNodes => Volatile.Read(ref _publishedSpectral).Length;

    /// <summary>Frames of placed spectral nodes whose spectra came from the accelerator.</summary>
    public long SpectralCollects => Interlocked.Read(ref _spectralCollects);

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

    /// <summary>
    /// Whether <paramref name="node"/> (a pipelined spectral node, prepared) goes on the accelerator: its pipeline delay is
    /// at least the deferred block (so a launch always falls between a frame's hop and its due time), and, in
    /// <see cref="GpuMode.Auto"/>, its frames of one deferred block cost the CPU at least a launch (measured once per
    /// node type and channel count: the node's own frame work on scratch spectra).
    /// </summary>
    public bool ShouldPlace(SpectralNode node, int pipelineFrames)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_failed || pipelineFrames < Options.MinPartitionFrames || node is not (SpectralGateNode or SpectralFreezeNode or SpectralBlurNode or VocoderNode))
        {
            return false;
        }

        if (Options.Mode == GpuMode.CpuAccelerator)
        {
            return true;
        }

        int channels = node.Stft.SynthesisRe.Length;
        double nsPerFrame;
        lock (_measureLock)
        {
            // Compiles may run on more than one control thread: one measurement per node type and channel count.
            if (!_spectralCpuNsPerFrame.TryGetValue((node.GetType(), channels), out nsPerFrame))
            {
                nsPerFrame = MeasureSpectralCpuNsPerFrame(node);
                _spectralCpuNsPerFrame[(node.GetType(), channels)] = nsPerFrame;
            }
        }

        double framesPerBlock = Math.Max(1.0, Options.MinPartitionFrames / (double)node.Stft.HopFrames);
        return framesPerBlock * nsPerFrame >= LaunchCostNs;
    }

    public IOffloadedSpectralNode Place(SpectralNode node, SpectralFramePipeline pipeline)
    {
        var placed = new GpuPlacedSpectralNode(this, node, pipeline);
        lock (_levelsLock)
        {
            _spectralNodes.Add(placed);
            Publish();
        }

        return placed;
    }

    /// <summary>The CPU's time for one frame of <paramref name="node"/>'s own frame work, ns: the fastest of five runs of 20 on scratch spectra, after 20 unmeasured; the node's state cleared after.</summary>
    private static double MeasureSpectralCpuNsPerFrame(SpectralNode node)
    {
        ShortTimeFourierTransform stft = node.Stft;
        var random = new Random(1);
        for (int c = 0; c < stft.AnalysisRe.Length; c++)
        {
            for (int k = 0; k < stft.Bins; k++)
            {
                stft.AnalysisRe[c][k] = (float)(random.NextDouble() - 0.5);
                stft.AnalysisIm[c][k] = (float)(random.NextDouble() - 0.5);
            }
        }

        for (int r = 0; r < 20; r++)
        {
            node.ProcessFrame(stft);
        }

        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < 20; r++)
            {
                node.ProcessFrame(stft);
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / 20);
        }

        node.ClearFrameState();
        return best;
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

        foreach (GpuPlacedSpectralNode node in Volatile.Read(ref _publishedSpectral))
        {
            any |= node.Pending;
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

    internal void CountSpectralCollect(long frames) => Interlocked.Add(ref _spectralCollects, frames);

    internal void Remove(GpuPlacedSpectralNode node)
    {
        lock (_levelsLock)
        {
            _spectralNodes.Remove(node);
            Publish();
        }
    }

    internal void Remove(GpuPlacedLevel level)
    {
        lock (_levelsLock)
        {
            _levels.Remove(level);
            Publish();
        }
    }

    /// <summary>
    /// A kernel thread's lane in a launch table of <paramref name="lanes"/> rows of <paramref name="stride"/> ints, each
    /// starting with its first thread: the last row whose first thread is at or before <paramref name="index"/>.
    /// </summary>
    private static int LaneOf(Index1D index, ArrayView<int> table, int lanes, int stride)
    {
        int low = 0;
        int high = lanes - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (table[middle * stride] <= index)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>One thread per (lane, bin) of the launch: Σ over partitions k of X[slot − k] · H[k], in partition order.</summary>
    private static void MultiplyAccumulateKernel(Index1D index, ArrayView<int> table, int lanes, ArrayView<float> delayRe, ArrayView<float> delayIm, ArrayView<float> responseRe, ArrayView<float> responseIm, ArrayView<float> sumRe, ArrayView<float> sumIm)
    {
        int at = LaneOf(index, table, lanes, TableStride) * TableStride;
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

    /// <summary>Whether the launcher has laid out the latest placement on the device (until then, placed work computes on the CPU). Any thread.</summary>
    internal bool IsLaidOut => Volatile.Read(ref _layoutVersion) == Volatile.Read(ref _deviceVersion);

    /// <summary>Control thread, under the lock: publishes the placed levels and wakes the launcher to lay them out.</summary>
    private void Publish()
    {
        Volatile.Write(ref _published, [.. _levels]);
        Volatile.Write(ref _publishedSpectral, [.. _spectralNodes]);
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

        int spectralLanes = 0;
        int spectralThreads = 0;
        int spectralLaunched = 0;
        foreach (GpuPlacedSpectralNode node in _deviceSpectral)
        {
            if (!node.Pending)
            {
                continue;
            }

            // Every frame from the pipeline's head on, from the node's host state: what the CPU would compute next.
            SpectralFramePipeline pipeline = node.Pipeline;
            long head = pipeline.Head;
            long through = node.SubmittedThrough;
            int capacity = pipeline.Capacity;
            int bins = node.Bins;
            int frame = pipeline.AnalysedChannels * bins;
            float lastValue = 0f;
            for (long sequence = head; sequence <= through; sequence++)
            {
                int slot = (int)(sequence % capacity);
                Upload(_deviceFrameRe!, node.FrameOffset + (slot * frame), pipeline.FrameRe.AsSpan(slot * frame, frame));
                Upload(_deviceFrameIm!, node.FrameOffset + (slot * frame), pipeline.FrameIm.AsSpan(slot * frame, frame));
                lastValue = FrameValue(node, pipeline.FrameParameters[slot * Math.Max(1, pipeline.ParameterCount)]);
                _hostValues[node.ValueOffset + slot] = lastValue;
            }

            for (int c = 0; c < node.Magnitudes.Length; c++)
            {
                int at = node.StateOffset + (c * bins);
                Upload(_deviceMagnitudes!, at, node.Magnitudes[c]);
                Upload(_devicePhases!, at, node.Phases[c]);
                Upload(_deviceSteps!, at, node.Steps[c]);
                if (node.PreviousPhases.Length > 0)
                {
                    Upload(_devicePreviousPhases!, at, node.PreviousPhases[c]);
                }
            }

            bool frozen = node.Node is SpectralFreezeNode freeze && freeze.Frozen;
            for (int c = 0; c < node.Channels; c++)
            {
                int t = spectralLanes * SpectralTableStride;
                _spectralTable[t] = spectralThreads;
                _spectralTable[t + 1] = (int)node.Kind;
                _spectralTable[t + 2] = node.FrameOffset;
                _spectralTable[t + 3] = c;
                _spectralTable[t + 4] = pipeline.AnalysedChannels;
                _spectralTable[t + 5] = node.ResultOffset;
                _spectralTable[t + 6] = node.StateOffset + (c * bins);
                _spectralTable[t + 7] = node.ValueOffset;
                _spectralTable[t + 8] = (int)(head % capacity);
                _spectralTable[t + 9] = (int)(through - head + 1);
                _spectralTable[t + 10] = capacity;
                _spectralTable[t + 11] = frozen ? 1 : 0;
                _spectralTable[t + 12] = bins;
                _spectralTable[t + 13] = node.BandOffset;
                _spectralTable[t + 14] = node.Channels;
                spectralThreads += node.Kind == GpuSpectralKind.Vocoder ? VocoderNode.BandCount : bins;
                spectralLanes++;
            }

            node.ResultFrozen = lastValue > 0.5f;
            _launchedSpectral[spectralLaunched] = node;
            _launchedFrom[spectralLaunched] = head;
            _launchedThrough[spectralLaunched] = through;
            spectralLaunched++;
        }

        if (lanes == 0 && spectralLanes == 0)
        {
            return;
        }

        // One launch: the convolutions' kernel and the spectral nodes' kernel, one synchronisation, the read-backs.
        if (lanes > 0)
        {
            ArrayView<int> table = _deviceTable!.View;
            ReadOnlySpan<int> hostTable = _table.AsSpan(0, lanes * TableStride);
            table.SubView(0, hostTable.Length).CopyFromCPU(hostTable);
            _kernel(threads, _deviceTable.View, lanes, _deviceDelayRe!.View, _deviceDelayIm!.View, _deviceResponseRe!.View, _deviceResponseIm!.View, _deviceSumRe!.View, _deviceSumIm!.View);
        }

        if (spectralLanes > 0)
        {
            ArrayView<int> table = _deviceSpectralTable!.View;
            ReadOnlySpan<int> hostTable = _spectralTable.AsSpan(0, spectralLanes * SpectralTableStride);
            table.SubView(0, hostTable.Length).CopyFromCPU(hostTable);
            _deviceValues!.View.CopyFromCPU(_hostValues);
            _spectralKernel(spectralThreads, _deviceSpectralTable.View, spectralLanes, _deviceFrameRe!.View, _deviceFrameIm!.View, _deviceResultRe!.View, _deviceResultIm!.View, _deviceValues.View, _deviceMagnitudes!.View, _devicePhases!.View, _deviceSteps!.View, _devicePreviousPhases!.View, _deviceBandStarts!.View);
        }

        _accelerator.Synchronize();
        if (lanes > 0)
        {
            _deviceSumRe!.View.CopyToCPU(_hostSumRe);
            _deviceSumIm!.View.CopyToCPU(_hostSumIm);
            for (int i = 0; i < launched; i++)
            {
                GpuPlacedLevel level = _launched[i]!;
                int length = level.Paths.Length * level.Bins;
                _hostSumRe.AsSpan(level.SumOffset, length).CopyTo(level.SumRe);
                _hostSumIm.AsSpan(level.SumOffset, length).CopyTo(level.SumIm);
                level.MarkComputed(_launchedSubmission[i]);
            }
        }

        if (spectralLanes > 0)
        {
            _deviceResultRe!.View.CopyToCPU(_hostResultRe);
            _deviceResultIm!.View.CopyToCPU(_hostResultIm);
            _deviceMagnitudes!.View.CopyToCPU(_hostMagnitudes);
            _devicePhases!.View.CopyToCPU(_hostPhases);
            _deviceSteps!.View.CopyToCPU(_hostSteps);
            _devicePreviousPhases!.View.CopyToCPU(_hostPreviousPhases);
            for (int i = 0; i < spectralLaunched; i++)
            {
                GpuPlacedSpectralNode node = _launchedSpectral[i]!;
                SpectralFramePipeline pipeline = node.Pipeline;
                int frame = node.Channels * node.Bins;
                for (long sequence = _launchedFrom[i]; sequence <= _launchedThrough[i]; sequence++)
                {
                    int slot = (int)(sequence % pipeline.Capacity);
                    _hostResultRe.AsSpan(node.ResultOffset + (slot * frame), frame).CopyTo(pipeline.ResultRe.AsSpan(slot * frame));
                    _hostResultIm.AsSpan(node.ResultOffset + (slot * frame), frame).CopyTo(pipeline.ResultIm.AsSpan(slot * frame));
                }

                _hostMagnitudes.AsSpan(node.StateOffset, frame).CopyTo(node.ResultMagnitudes);
                _hostPhases.AsSpan(node.StateOffset, frame).CopyTo(node.ResultPhases);
                _hostSteps.AsSpan(node.StateOffset, frame).CopyTo(node.ResultSteps);
                _hostPreviousPhases.AsSpan(node.StateOffset, frame).CopyTo(node.ResultPreviousPhases);
                node.MarkComputed(_launchedFrom[i], _launchedThrough[i]);
            }
        }
    }

    /// <summary>The one value per frame the spectral kernel takes, from the frame's first parameter, computed as the CPU node computes it.</summary>
    private static float FrameValue(GpuPlacedSpectralNode node, float parameter)
    {
        switch (node.Kind)
        {
            case GpuSpectralKind.Gate:
                // SpectralGateNode: the threshold in the STFT's full scale, squared.
                float threshold = node.FullScale * MathF.Pow(10f, parameter / 20f);
                return threshold * threshold;
            case GpuSpectralKind.Blur:
                // SpectralBlurNode: the one-pole coefficient per hop.
                float timeMs = Math.Clamp(parameter, 0f, 60_000f);
                return timeMs <= 0f ? 0f : MathF.Exp(-node.HopFrames / (timeMs * 0.001f * node.SampleRate));
            default:
                // The freeze's gate, the vocoder's level: as they are.
                return parameter;
        }
    }

    /// <summary>
    /// One thread per (channel, bin) of every placed gate, freeze and blur, per (channel, band) of every placed vocoder:
    /// the node's <c>ProcessFrame</c> arithmetic for its share, through the node's launched frames in order (the state
    /// carried from one to the next, as on the CPU). Lane table, per channel of each node (<see cref="SpectralTableStride"/>
    /// ints): first thread, kind, frame offset, channel, analysed channels, result offset, state offset, value offset,
    /// first slot, frames, slots, frozen before the first frame, bins, band offset, channels.
    /// </summary>
    private static void SpectralKernel(Index1D index, ArrayView<int> table, int lanes, ArrayView<float> frameRe, ArrayView<float> frameIm, ArrayView<float> resultRe, ArrayView<float> resultIm, ArrayView<float> values, ArrayView<float> magnitudes, ArrayView<double> phases, ArrayView<double> steps, ArrayView<double> previous, ArrayView<int> bandStarts)
    {
        const float Silent = 1e-20f;
        int at = LaneOf(index, table, lanes, SpectralTableStride) * SpectralTableStride;
        int local = index - table[at];
        int kind = table[at + 1];
        int frameOffset = table[at + 2];
        int channel = table[at + 3];
        int analysed = table[at + 4];
        int resultOffset = table[at + 5];
        int state = table[at + 6] + local;
        int valueOffset = table[at + 7];
        int firstSlot = table[at + 8];
        int frames = table[at + 9];
        int capacity = table[at + 10];
        int frozen = table[at + 11];
        int bins = table[at + 12];
        int bandOffset = table[at + 13];
        int channels = table[at + 14];
        for (int f = 0; f < frames; f++)
        {
            int slot = (firstSlot + f) % capacity;
            int x = frameOffset + (((slot * analysed) + channel) * bins);
            int y = resultOffset + (((slot * channels) + channel) * bins);
            float value = values[valueOffset + slot];
            if (kind == (int)GpuSpectralKind.Vocoder)
            {
                // VocoderNode: the band's energies summed in bin order, its gain, its bins scaled (the modulator after the carriers).
                int from = bandStarts[bandOffset + local];
                int to = bandStarts[bandOffset + local + 1];
                int modulator = frameOffset + (((slot * analysed) + channels) * bins);
                float modulatorEnergy = 0f;
                float carrierEnergy = 0f;
                for (int k = from; k < to; k++)
                {
                    modulatorEnergy += (frameRe[modulator + k] * frameRe[modulator + k]) + (frameIm[modulator + k] * frameIm[modulator + k]);
                    carrierEnergy += (frameRe[x + k] * frameRe[x + k]) + (frameIm[x + k] * frameIm[x + k]);
                }

                float gain = carrierEnergy > 1e-20f ? value * MathF.Sqrt(modulatorEnergy / carrierEnergy) : 0f;
                for (int k = from; k < to; k++)
                {
                    resultRe[y + k] = frameRe[x + k] * gain;
                    resultIm[y + k] = frameIm[x + k] * gain;
                }

                continue;
            }

            float r = frameRe[x + local];
            float i = frameIm[x + local];
            if (kind == (int)GpuSpectralKind.Gate)
            {
                bool open = (r * r) + (i * i) >= value;
                resultRe[y + local] = open ? r : 0f;
                resultIm[y + local] = open ? i : 0f;
            }
            else if (kind == (int)GpuSpectralKind.Freeze)
            {
                int freeze = value > 0.5f ? 1 : 0;
                double phase = Math.Atan2(i, r);
                if (freeze != 0 && frozen == 0)
                {
                    magnitudes[state] = MathF.Sqrt((r * r) + (i * i));
                    steps[state] = phase - previous[state];
                    phases[state] = phase;
                }

                if (freeze != 0)
                {
                    double next = phases[state] + steps[state];
                    next -= 2 * Math.PI * Math.Round(next / (2 * Math.PI));
                    phases[state] = next;
                    resultRe[y + local] = (float)(magnitudes[state] * Math.Cos(next));
                    resultIm[y + local] = (float)(magnitudes[state] * Math.Sin(next));
                }
                else
                {
                    resultRe[y + local] = r;
                    resultIm[y + local] = i;
                }

                previous[state] = phase;
                frozen = freeze;
            }
            else
            {
                // SpectralBlurNode: the one-pole average of the magnitude; the phase turns on by its step while silent.
                float magnitude = MathF.Sqrt((r * r) + (i * i));
                float smeared = (value * magnitudes[state]) + ((1f - value) * magnitude);
                magnitudes[state] = smeared < Silent ? 0f : smeared;
                double phase;
                if (magnitude > Silent)
                {
                    phase = Math.Atan2(i, r);
                    steps[state] = phase - phases[state];
                }
                else
                {
                    phase = phases[state] + steps[state];
                    phase -= 2 * Math.PI * Math.Round(phase / (2 * Math.PI));
                }

                phases[state] = phase;
                resultRe[y + local] = (float)(magnitudes[state] * Math.Cos(phase));
                resultIm[y + local] = (float)(magnitudes[state] * Math.Sin(phase));
            }
        }
    }

    /// <summary>Launcher thread: lays out every placed level on the device anew (after a placement or a release) and uploads the responses.</summary>
    private void Rebuild()
    {
        int version;
        GpuPlacedLevel[] levels;
        GpuPlacedSpectralNode[] spectral;
        lock (_levelsLock)
        {
            version = _layoutVersion;
            levels = _published;
            spectral = _publishedSpectral;
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
        RebuildSpectral(spectral);
        _deviceLevels = levels;
        Volatile.Write(ref _deviceVersion, version);
    }

    /// <summary>Launcher thread, from <see cref="Rebuild"/>: lays out the placed spectral nodes (their frame slots, results, state, values, vocoder bands).</summary>
    private void RebuildSpectral(GpuPlacedSpectralNode[] nodes)
    {
        int frames = 0;
        int results = 0;
        int states = 0;
        int values = 0;
        int bands = 0;
        int lanes = 0;
        foreach (GpuPlacedSpectralNode node in nodes)
        {
            SpectralFramePipeline pipeline = node.Pipeline;
            node.FrameOffset = frames;
            node.ResultOffset = results;
            node.StateOffset = states;
            node.ValueOffset = values;
            node.BandOffset = bands;
            frames += pipeline.Capacity * pipeline.AnalysedChannels * node.Bins;
            results += pipeline.Capacity * node.Channels * node.Bins;
            states += node.Channels * node.Bins;
            values += pipeline.Capacity;
            bands += node.BandStarts.Length;
            lanes += node.Channels;
        }

        _deviceFrameRe = _accelerator.Allocate1D<float>(Math.Max(1, frames));
        _deviceFrameIm = _accelerator.Allocate1D<float>(Math.Max(1, frames));
        _deviceResultRe = _accelerator.Allocate1D<float>(Math.Max(1, results));
        _deviceResultIm = _accelerator.Allocate1D<float>(Math.Max(1, results));
        _deviceValues = _accelerator.Allocate1D<float>(Math.Max(1, values));
        _deviceMagnitudes = _accelerator.Allocate1D<float>(Math.Max(1, states));
        _devicePhases = _accelerator.Allocate1D<double>(Math.Max(1, states));
        _deviceSteps = _accelerator.Allocate1D<double>(Math.Max(1, states));
        _devicePreviousPhases = _accelerator.Allocate1D<double>(Math.Max(1, states));
        _deviceBandStarts = _accelerator.Allocate1D<int>(Math.Max(1, bands));
        _deviceSpectralTable = _accelerator.Allocate1D<int>(Math.Max(1, lanes) * SpectralTableStride);
        _devicePreviousPhases.MemSetToZero();
        foreach (GpuPlacedSpectralNode node in nodes)
        {
            if (node.BandStarts.Length > 0)
            {
                ArrayView<int> view = _deviceBandStarts.View;
                view.SubView(node.BandOffset, node.BandStarts.Length).CopyFromCPU(node.BandStarts);
            }
        }

        _spectralTable = new int[Math.Max(1, lanes) * SpectralTableStride];
        _hostValues = new float[Math.Max(1, values)];
        _hostResultRe = new float[Math.Max(1, results)];
        _hostResultIm = new float[Math.Max(1, results)];
        _hostMagnitudes = new float[Math.Max(1, states)];
        _hostPhases = new double[Math.Max(1, states)];
        _hostSteps = new double[Math.Max(1, states)];
        _hostPreviousPhases = new double[Math.Max(1, states)];
        _launchedSpectral = new GpuPlacedSpectralNode?[nodes.Length];
        _launchedFrom = new long[nodes.Length];
        _launchedThrough = new long[nodes.Length];
        _deviceSpectral = nodes;
    }

    private static void Upload(MemoryBuffer1D<float, Stride1D.Dense> buffer, int at, ReadOnlySpan<float> host)
    {
        ArrayView<float> view = buffer.View;
        view.SubView(at, host.Length).CopyFromCPU(host);
    }

    private static void Upload(MemoryBuffer1D<double, Stride1D.Dense> buffer, int at, ReadOnlySpan<double> host)
    {
        ArrayView<double> view = buffer.View;
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
        _deviceFrameRe?.Dispose();
        _deviceFrameIm?.Dispose();
        _deviceResultRe?.Dispose();
        _deviceResultIm?.Dispose();
        _deviceValues?.Dispose();
        _deviceMagnitudes?.Dispose();
        _devicePhases?.Dispose();
        _deviceSteps?.Dispose();
        _devicePreviousPhases?.Dispose();
        _deviceBandStarts?.Dispose();
        _deviceSpectralTable?.Dispose();
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
