using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Gpu;

/// <summary>
/// Uniformly partitioned overlap-save convolution of many lanes at once (a lane: one channel of one convolution
/// node, with its own mono response), the spectral multiply-accumulate of all lanes in one accelerator launch per
/// period. The FFTs run on the CPU (<see cref="RealFft"/>); the frequency-domain delay lines and the response
/// spectra live on the accelerator. Each <see cref="Process"/> takes N input frames per lane and returns N output
/// frames per lane: the convolution of the input up to the block's end, i.e. latency N when played after the call.
/// </summary>
/// <remarks>
/// Not for the audio thread: a call waits for the accelerator. It belongs in the render-ahead (deferred) domain, which
/// renders a block ahead of the audio callback; the audio side then only reads finished output. On any accelerator
/// error, or a launch slower than <see cref="TimeoutMs"/>, the batch falls back for good to the CPU path
/// (<see cref="SpectrumKernels.MultiplyAccumulate"/> on the same data), which gives the same result (within float
/// rounding; on the CPU accelerator, within 1e-5 of it, tested). <see cref="UsingFallback"/> says which path ran.
/// </remarks>
public sealed class GpuConvolutionBatch : IDisposable
{
    private readonly RealFft _fft;
    private readonly int _lanes;
    private readonly int _bins;
    private readonly int _partitions;
    private readonly float[][] _history;
    private readonly float[] _frame;
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly float[] _inverse;

    // Host copies, [lane][partition][bin] flattened: the fallback's data and the source of the uploads.
    private readonly float[] _delayRe;
    private readonly float[] _delayIm;
    private readonly float[] _responseRe;
    private readonly float[] _responseIm;
    private readonly float[] _sumRe;
    private readonly float[] _sumIm;

    private readonly Accelerator? _accelerator;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceDelayRe;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceDelayIm;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceResponseRe;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceResponseIm;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceSumRe;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _deviceSumIm;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _kernel;
    private int _slot;

    // The launcher thread runs each accelerator launch, so that Process can wait for it with a time limit and walk away
    // from one that hangs. It reads back into its own buffers; Process copies them only from a launch that finished.
    private readonly Thread? _launcher;
    private readonly ManualResetEventSlim _launchRequested = new(false);
    private readonly ManualResetEventSlim _launchFinished = new(false);
    private readonly float[] _launchSumRe;
    private readonly float[] _launchSumIm;
    private Exception? _launchError;
    private volatile bool _stopping;
    private bool _launchAbandoned;

    /// <param name="responses">One mono response per lane, at the session rate.</param>
    /// <param name="partitionFrames">N: a power of two; the block size of <see cref="Process"/> and the latency.</param>
    /// <param name="context">The ILGPU context that owns <paramref name="device"/> (see <see cref="GpuAccelerators.CreateContext"/>), or null.</param>
    /// <param name="device">The accelerator to use, or null for the CPU path only.</param>
    public GpuConvolutionBatch(IReadOnlyList<float[]> responses, int partitionFrames, Context? context, Device? device)
    {
        ArgumentNullException.ThrowIfNull(responses);
        _fft = new RealFft(2 * partitionFrames);
        PartitionFrames = partitionFrames;
        _lanes = responses.Count;
        _bins = _fft.Bins;
        _partitions = Math.Max(1, responses.Max(r => (r.Length + partitionFrames - 1) / partitionFrames));
        _history = [.. Enumerable.Range(0, _lanes).Select(_ => new float[2 * partitionFrames])];
        _frame = new float[2 * partitionFrames];
        _re = new float[_bins];
        _im = new float[_bins];
        _inverse = new float[2 * partitionFrames];
        int size = _lanes * _partitions * _bins;
        _delayRe = new float[size];
        _delayIm = new float[size];
        _responseRe = new float[size];
        _responseIm = new float[size];
        _sumRe = new float[_lanes * _bins];
        _sumIm = new float[_lanes * _bins];
        _launchSumRe = new float[_lanes * _bins];
        _launchSumIm = new float[_lanes * _bins];
        float scale = 1f / (2 * partitionFrames);
        for (int lane = 0; lane < _lanes; lane++)
        {
            float[] response = responses[lane];
            for (int k = 0; k < _partitions; k++)
            {
                Array.Clear(_frame);
                int from = k * partitionFrames;
                int count = Math.Clamp(response.Length - from, 0, partitionFrames);
                if (count > 0)
                {
                    response.AsSpan(from, count).CopyTo(_frame);
                }

                _fft.Forward(_frame, _re, _im);
                int at = ((lane * _partitions) + k) * _bins;
                for (int b = 0; b < _bins; b++)
                {
                    _responseRe[at + b] = _re[b] * scale;
                    _responseIm[at + b] = _im[b] * scale;
                }
            }
        }

        if (context is not null && device is not null)
        {
            try
            {
                _accelerator = device.CreateAccelerator(context);
                _deviceDelayRe = _accelerator.Allocate1D<float>(size);
                _deviceDelayIm = _accelerator.Allocate1D<float>(size);
                _deviceResponseRe = _accelerator.Allocate1D(_responseRe);
                _deviceResponseIm = _accelerator.Allocate1D(_responseIm);
                _deviceSumRe = _accelerator.Allocate1D<float>(_lanes * _bins);
                _deviceSumIm = _accelerator.Allocate1D<float>(_lanes * _bins);
                _deviceDelayRe.MemSetToZero();
                _deviceDelayIm.MemSetToZero();
                _kernel = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(MultiplyAccumulateKernel);
                AcceleratorName = $"{device.AcceleratorType} {device.Name}";

                // The first launch compiles the kernel: do it here, on the control thread, not in the first period.
                _kernel(_lanes * _bins, _deviceDelayRe.View, _deviceDelayIm.View, _deviceResponseRe.View, _deviceResponseIm.View, _deviceSumRe.View, _deviceSumIm.View, _bins, _partitions, 0);
                _accelerator.Synchronize();
                _launcher = new Thread(RunLauncher) { IsBackground = true, Name = "liveengine gpu launcher" };
                _launcher.Start();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                FallbackReason = $"accelerator set-up failed: {e.Message}";
                UsingFallback = true;
            }
        }
        else
        {
            UsingFallback = true;
            FallbackReason = "no accelerator given";
        }
    }

    public int PartitionFrames { get; }

    public int Lanes => _lanes;

    /// <summary>
    /// The longest <see cref="Process"/> waits for an accelerator launch (upload, kernel, read-back). A launch that takes
    /// longer, or never finishes, is abandoned: that period and every later one run on the CPU path.
    /// </summary>
    public double TimeoutMs { get; init; } = 50;

    /// <summary>Whether the CPU path runs (no accelerator, or it failed or was too slow).</summary>
    public bool UsingFallback { get; private set; }

    public string? FallbackReason { get; private set; }

    public string AcceleratorName { get; } = "none";

    /// <summary>Convolves one block: <paramref name="input"/>[lane] holds N frames, <paramref name="output"/>[lane] receives N.</summary>
    public void Process(float[][] input, float[][] output)
    {
        int n = PartitionFrames;
        _slot = _slot + 1 == _partitions ? 0 : _slot + 1;
        for (int lane = 0; lane < _lanes; lane++)
        {
            // The last 2N input frames: the previous block and this one.
            float[] history = _history[lane];
            history.AsSpan(n, n).CopyTo(history);
            input[lane].AsSpan(0, n).CopyTo(history.AsSpan(n));
            _fft.Forward(history, _re, _im);
            int at = ((lane * _partitions) + _slot) * _bins;
            _re.AsSpan(0, _bins).CopyTo(_delayRe.AsSpan(at, _bins));
            _im.AsSpan(0, _bins).CopyTo(_delayIm.AsSpan(at, _bins));
        }

        if (UsingFallback || !TryRunOnAccelerator())
        {
            RunOnCpu();
        }

        for (int lane = 0; lane < _lanes; lane++)
        {
            _sumRe.AsSpan(lane * _bins, _bins).CopyTo(_re);
            _sumIm.AsSpan(lane * _bins, _bins).CopyTo(_im);
            _fft.Inverse(_re, _im, _inverse);
            _inverse.AsSpan(n, n).CopyTo(output[lane]);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _launchRequested.Set();
        if (_launcher is not null && (_launchAbandoned || !_launcher.Join(TimeSpan.FromSeconds(5))))
        {
            // A launch still hangs on the accelerator: leave its buffers to it rather than free them under it.
            return;
        }

        _deviceDelayRe?.Dispose();
        _deviceDelayIm?.Dispose();
        _deviceResponseRe?.Dispose();
        _deviceResponseIm?.Dispose();
        _deviceSumRe?.Dispose();
        _deviceSumIm?.Dispose();
        _accelerator?.Dispose();
        _launchRequested.Dispose();
        _launchFinished.Dispose();
    }

    /// <summary>One thread per (lane, bin): Σ over partitions k of X[slot − k] · H[k], in partition order.</summary>
    private static void MultiplyAccumulateKernel(Index1D index, ArrayView<float> delayRe, ArrayView<float> delayIm, ArrayView<float> responseRe, ArrayView<float> responseIm, ArrayView<float> sumRe, ArrayView<float> sumIm, int bins, int partitions, int slot)
    {
        int lane = index / bins;
        int bin = index - (lane * bins);
        float re = 0f;
        float im = 0f;
        for (int k = 0; k < partitions; k++)
        {
            int s = slot - k < 0 ? slot - k + partitions : slot - k;
            int x = (((lane * partitions) + s) * bins) + bin;
            int h = (((lane * partitions) + k) * bins) + bin;
            float xr = delayRe[x];
            float xi = delayIm[x];
            float hr = responseRe[h];
            float hi = responseIm[h];
            re += (xr * hr) - (xi * hi);
            im += (xr * hi) + (xi * hr);
        }

        sumRe[index] = re;
        sumIm[index] = im;
    }

    /// <summary>
    /// Hands this period's launch to the launcher thread and waits for it at most <see cref="TimeoutMs"/>. False, having
    /// fallen back for good, when it failed or did not finish in time; true with <c>_sumRe</c>/<c>_sumIm</c> filled.
    /// </summary>
    private bool TryRunOnAccelerator()
    {
        long start = Stopwatch.GetTimestamp();
        _launchFinished.Reset();
        _launchRequested.Set();
        int waitMs = (int)Math.Clamp(Math.Ceiling(TimeoutMs), 0, int.MaxValue);
        if (!_launchFinished.Wait(waitMs))
        {
            _launchAbandoned = true;
            FallBack($"a launch took more than {TimeoutMs} ms: abandoned, the CPU path runs from here");
            return false;
        }

        if (_launchError is { } error)
        {
            FallBack($"accelerator error: {error.Message}");
            return false;
        }

        double elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (elapsedMs > TimeoutMs)
        {
            // Finished, but late: keep this period's result, and run on the CPU from the next one.
            FallBack($"a launch took {elapsedMs:F1} ms (more than {TimeoutMs} ms)");
        }

        _launchSumRe.CopyTo(_sumRe, 0);
        _launchSumIm.CopyTo(_sumIm, 0);
        return true;
    }

    /// <summary>The launcher thread: one launch per request, until the batch is disposed.</summary>
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

            try
            {
                BeforeLaunch?.Invoke();
                RunOnAccelerator();
                _launchError = null;
            }
            catch (Exception e)
            {
                _launchError = e;
            }

            _launchFinished.Set();
        }
    }

    /// <summary>Tests only: runs on the launcher thread before each launch (to make one hang).</summary>
    internal Action? BeforeLaunch { get; init; }

    private void RunOnAccelerator()
    {
        // Upload this period's new spectra (one slot of every lane), launch once for all lanes, read the sums back.
        for (int lane = 0; lane < _lanes; lane++)
        {
            int at = ((lane * _partitions) + _slot) * _bins;
            ArrayView<float> re = _deviceDelayRe!.View;
            ArrayView<float> im = _deviceDelayIm!.View;
            ReadOnlySpan<float> hostRe = _delayRe.AsSpan(at, _bins);
            ReadOnlySpan<float> hostIm = _delayIm.AsSpan(at, _bins);
            re.SubView(at, _bins).CopyFromCPU(hostRe);
            im.SubView(at, _bins).CopyFromCPU(hostIm);
        }

        _kernel!(_lanes * _bins, _deviceDelayRe!.View, _deviceDelayIm!.View, _deviceResponseRe!.View, _deviceResponseIm!.View, _deviceSumRe!.View, _deviceSumIm!.View, _bins, _partitions, _slot);
        _accelerator!.Synchronize();
        _deviceSumRe!.View.CopyToCPU(_launchSumRe);
        _deviceSumIm!.View.CopyToCPU(_launchSumIm);
    }

    private void RunOnCpu()
    {
        Array.Clear(_sumRe);
        Array.Clear(_sumIm);
        for (int lane = 0; lane < _lanes; lane++)
        {
            Span<float> sumRe = _sumRe.AsSpan(lane * _bins, _bins);
            Span<float> sumIm = _sumIm.AsSpan(lane * _bins, _bins);
            for (int k = 0; k < _partitions; k++)
            {
                int s = _slot - k < 0 ? _slot - k + _partitions : _slot - k;
                int x = ((lane * _partitions) + s) * _bins;
                int h = ((lane * _partitions) + k) * _bins;
                SpectrumKernels.MultiplyAccumulate(sumRe, sumIm, _delayRe.AsSpan(x, _bins), _delayIm.AsSpan(x, _bins), _responseRe.AsSpan(h, _bins), _responseIm.AsSpan(h, _bins));
            }
        }
    }

    private void FallBack(string reason)
    {
        UsingFallback = true;
        FallbackReason = reason;
    }
}
