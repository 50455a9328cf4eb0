using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// "reverb": stereo feedback delay network. Parameters decaySec (RT60), damping (0 = no loop filter),
/// mix (glided) and size (scales the delay lengths; a change moves the taps at the next block, which may click).
/// </summary>
/// <remarks>
/// Design: Jot and Chaigne, "Digital delay networks for designing artificial reverberators" (AES 1991), as laid
/// out in Julius O. Smith, "Physical Audio Signal Processing", FDN reverberation. Sixteen delay lines of prime
/// (hence mutually coprime) lengths from 30 to 87 ms times size, fed back through the orthonormal 16 × 16
/// Hadamard matrix (a fast Walsh-Hadamard transform, 64 additions). Line j is attenuated by
/// g_j = 10^(-3 L_j / (decaySec × sampleRate)), so every path loses 60 dB in decaySec whatever its length, and
/// the tail decays at exactly that rate when damping is 0. Damping adds a one-pole low-pass with unity DC gain
/// to each line, shortening the decay of high frequencies only. Inputs and outputs use distinct fixed sign
/// patterns, so left and right are decorrelated.
/// SIMD: each frame is a recursion through the matrix, so the frames stay sequential and the sixteen lines
/// are the vector lanes (one Vector512 or two Vector256); the butterflies of the transform are lane shuffles.
/// The lines share one frame-major buffer (index = position × 16 + line): a frame's write is one vector store
/// and its sixteen taps a gather. The network renders wet frames a chunk at a time and one vector pass mixes
/// them with the dry input. <see cref="RenderWetScalar"/> is the specification; the vector paths do the same
/// operations in the same order per line (the butterflies included) and differ from it only in the summation
/// order of the two output dot products, so they agree with it to float rounding, not bit for bit.
/// </remarks>
public sealed class ReverbNode : AudioNode
{
    public const int LineCount = 16;
    public const float MaxSize = 2f;

    // Frames rendered by the network before the dry/wet pass; sizes the stack buffers of Process.
    private const int ChunkFrames = 64;

    // Line lengths at size 1, in ms: a geometric series of ratio 1.075.
    private static readonly double[] s_lengthsMs =
        [29.7, 31.9, 34.3, 36.8, 39.6, 42.5, 45.7, 49.1, 52.8, 56.7, 60.9, 65.5, 70.3, 75.6, 81.2, 87.3];

    // Bit j set: line j takes (or gives) the signal inverted. Four balanced, mutually orthogonal patterns, none
    // close to a Walsh function (a Walsh pattern would tap a single line of the mixed vector).
    private const int InputLeftSigns = 0b1110_1001_1100_0001;
    private const int InputRightSigns = 0b1011_1101_0010_1000;
    private const int OutputLeftSigns = 0b0111_0001_0001_1011;
    private const int OutputRightSigns = 0b1111_0110_0100_0010;

    // 1/sqrt(16): the Walsh-Hadamard transform of 16 points scaled to be orthonormal (lossless).
    private const float HadamardScale = 0.25f;
    private const float InputGain = 0.25f;
    private const float OutputGain = 1f;

    private static readonly float[] s_inputLeft = Signs(InputLeftSigns, InputGain);
    private static readonly float[] s_inputRight = Signs(InputRightSigns, InputGain);
    private static readonly float[] s_outputLeft = Signs(OutputLeftSigns, OutputGain);
    private static readonly float[] s_outputRight = Signs(OutputRightSigns, OutputGain);

    // Audio thread only (after Prepare).
    private int _sampleRate;
    private int _mask;
    private int _write;
    private float _designedDecaySec = float.NaN;
    private float _designedDamping = float.NaN;
    private float _designedSize = float.NaN;
    private float _dampingCoefficient;
    private ParameterSmoother _mix;
    private readonly int[] _lengths = new int[LineCount];
    private readonly float[] _lineGains = new float[LineCount];
    private readonly float[] _lowPassStates = new float[LineCount];

    // Frame-major delay memory, (_mask + 1) × LineCount floats from _delayStart. Pinned so that _delayStart keeps
    // the rows on 64-byte boundaries (a row is one Vector512 store) and the vector loops may address it by pointer.
    private float[] _delay = [];
    private int _delayStart;

    /// <summary>The implementations of <see cref="Process"/>; tests pin each in turn against the scalar reference.</summary>
    internal enum ProcessPath
    {
        Scalar,
        Vector256,
        Vector512,
    }

    /// <summary>The widest path the hardware accelerates, which new nodes take.</summary>
    internal static ProcessPath BestPath =>
        Vector512.IsHardwareAccelerated ? ProcessPath.Vector512 : Vector256.IsHardwareAccelerated ? ProcessPath.Vector256 : ProcessPath.Scalar;

    /// <summary>The path <see cref="Process"/> takes. Every path runs anywhere (the vector API falls back in software).</summary>
    internal ProcessPath Path { get; set; } = BestPath;

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        ReadOnlySpan<float> parameters = context.Parameters.Span;
        _sampleRate = context.SampleRate;
        int longest = NextPrime((int)Math.Ceiling(s_lengthsMs[LineCount - 1] * MaxSize * _sampleRate / 1000.0) + LineCount);
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)longest + 1);
        _mask = capacity - 1;
        _delay = GC.AllocateArray<float>((capacity * LineCount) + LineCount, pinned: true);
        _delayStart = AlignedStart(_delay);

        _mix = ProcessorSmoothing.Create(parameters[2], _sampleRate);
        if (previous is ReverbNode old && old._sampleRate == _sampleRate && old._mask == _mask)
        {
            _mix = ProcessorSmoothing.Continue(old._mix, parameters[2], _sampleRate);
            _write = old._write;
            old._lowPassStates.AsSpan().CopyTo(_lowPassStates);
            old.DelayMemory.CopyTo(DelayMemory);
        }

        Design(parameters[0], parameters[1], parameters[3]);
    }

    public override void Process(in ProcessContext context)
    {
        ReadOnlySpan<float> parameters = context.Parameters;
        if (parameters[0] != _designedDecaySec || parameters[1] != _designedDamping || parameters[3] != _designedSize)
        {
            Design(parameters[0], parameters[1], parameters[3]);
        }

        _mix.Target = parameters[2];
        ReadOnlySpan<float> inLeft = context.Input(0);
        ReadOnlySpan<float> inRight = context.Input(1);
        Span<float> outLeft = context.Output(0);
        Span<float> outRight = context.Output(1);

        // The network renders a chunk of wet frames, then one vector pass mixes them with the dry input (which
        // may share memory with the output: the mix reads each frame before it writes it).
        Span<float> wetLeft = stackalloc float[ChunkFrames];
        Span<float> wetRight = stackalloc float[ChunkFrames];
        Span<float> mix = stackalloc float[ChunkFrames];
        for (int start = 0; start < context.Frames; start += ChunkFrames)
        {
            int frames = Math.Min(ChunkFrames, context.Frames - start);
            ReadOnlySpan<float> left = inLeft.Slice(start, frames);
            ReadOnlySpan<float> right = inRight.Slice(start, frames);
            switch (Path)
            {
                case ProcessPath.Vector512:
                    RenderWetVector512(left, right, wetLeft, wetRight);
                    break;
                case ProcessPath.Vector256:
                    RenderWetVector256(left, right, wetLeft, wetRight);
                    break;
                default:
                    RenderWetScalar(left, right, wetLeft, wetRight);
                    break;
            }

            ParameterRamp.Fill(ref _mix, mix[..frames]);
            TernaryKernels.Ternary<DryWetOperator>(left, wetLeft[..frames], mix[..frames], outLeft.Slice(start, frames));
            TernaryKernels.Ternary<DryWetOperator>(right, wetRight[..frames], mix[..frames], outRight.Slice(start, frames));
        }
    }

    public override void Reset()
    {
        Array.Clear(_delay);
        Array.Clear(_lowPassStates);
        _write = 0;
        _mix.Snap();
    }

    /// <summary>The delay line lengths in frames for the current size (for tests and diagnostics).</summary>
    public ReadOnlySpan<int> LineLengths => _lengths;

    private Span<float> DelayMemory => _delay.AsSpan(_delayStart, (_mask + 1) * LineCount);

    /// <summary>The specification: the wet output of <c>inLeft.Length</c> frames, one frame and one line at a time.</summary>
    private void RenderWetScalar(ReadOnlySpan<float> inLeft, ReadOnlySpan<float> inRight, Span<float> wetLeft, Span<float> wetRight)
    {
        Span<float> delay = DelayMemory;
        Span<float> y = stackalloc float[LineCount];
        float damping = _dampingCoefficient;
        for (int i = 0; i < inLeft.Length; i++)
        {
            int write = _write;
            float sumLeft = 0f;
            float sumRight = 0f;
            for (int j = 0; j < LineCount; j++)
            {
                float tap = delay[(((write - _lengths[j]) & _mask) * LineCount) + j];
                float filtered = tap + (damping * (_lowPassStates[j] - tap));
                _lowPassStates[j] = filtered;
                float v = filtered * _lineGains[j];
                y[j] = v;
                sumLeft += s_outputLeft[j] * v;
                sumRight += s_outputRight[j] * v;
            }

            FastWalshHadamard16(y);
            float left = inLeft[i];
            float right = inRight[i];
            for (int j = 0; j < LineCount; j++)
            {
                float fed = (y[j] * HadamardScale) + (s_inputLeft[j] * left) + (s_inputRight[j] * right);
                delay[(write * LineCount) + j] = MathF.Abs(fed) < SanitizeKernels.FlushThreshold ? 0f : fed;
            }

            if ((write & (DenormalGrid.Frames - 1)) == 0)
            {
                for (int j = 0; j < LineCount; j++)
                {
                    _lowPassStates[j] = MathF.Abs(_lowPassStates[j]) < SanitizeKernels.FlushThreshold ? 0f : _lowPassStates[j];
                }
            }

            wetLeft[i] = sumLeft;
            wetRight[i] = sumRight;
            _write = (write + 1) & _mask;
        }
    }

    private unsafe void RenderWetVector512(ReadOnlySpan<float> inLeft, ReadOnlySpan<float> inRight, Span<float> wetLeft, Span<float> wetRight)
    {
        // The delay array is pinned (see _delay) and every offset below is masked into it, so the unchecked
        // loads and stores stay inside. Offsets count floats: row × 16 + line.
        float* delay = DelayOrigin();
        int* slots = stackalloc int[LineCount];
        int frames = inLeft.Length;
        ref float leftRef = ref MemoryMarshal.GetReference(inLeft);
        ref float rightRef = ref MemoryMarshal.GetReference(inRight);
        ref float wetLeftRef = ref MemoryMarshal.GetReference(wetLeft[..frames]);
        ref float wetRightRef = ref MemoryMarshal.GetReference(wetRight[..frames]);
        int write = _write;
        int offsetMask = (_mask * LineCount) + (LineCount - 1);
        Vector512<int> offsetMaskVector = Vector512.Create(offsetMask);
        Vector512<int> step = Vector512.Create(LineCount);
        Vector512<int> reads = (((Vector512.Create(write) - LoadInts512(_lengths)) & Vector512.Create(_mask)) * LineCount) + Vector512<int>.Indices;
        Vector512<float> gains = Load512(_lineGains);
        Vector512<float> lowPass = Load512(_lowPassStates);
        Vector512<float> inputLeft = Load512(s_inputLeft);
        Vector512<float> inputRight = Load512(s_inputRight);
        Vector512<float> outputLeft = Load512(s_outputLeft);
        Vector512<float> outputRight = Load512(s_outputRight);
        Vector512<float> damping = Vector512.Create(_dampingCoefficient);
        Vector512<float> threshold = Vector512.Create(SanitizeKernels.FlushThreshold);
        for (int i = 0; i < frames; i++)
        {
            // A software gather: AVX2's gather instruction measured 15 % slower (ReverbNodeBenchmarks, Zen 5), and
            // .NET exposes no AVX-512 gather. The offsets go through the stack, cheaper than lane extracts; as two
            // 256-bit stores, because loads from the upper half of one 512-bit store were not forwarded (2.5× slower).
            reads.GetLower().Store(slots);
            reads.GetUpper().Store(slots + 8);
            Vector512<float> tap = Vector512.Create(
                delay[slots[0]], delay[slots[1]], delay[slots[2]], delay[slots[3]], delay[slots[4]], delay[slots[5]], delay[slots[6]], delay[slots[7]],
                delay[slots[8]], delay[slots[9]], delay[slots[10]], delay[slots[11]], delay[slots[12]], delay[slots[13]], delay[slots[14]], delay[slots[15]]);
            reads = (reads + step) & offsetMaskVector;
            Vector512<float> filtered = tap + (damping * (lowPass - tap));
            lowPass = filtered;
            Vector512<float> v = filtered * gains;
            Vector512<float> sums = HorizontalSums(outputLeft * v, outputRight * v);
            Unsafe.Add(ref wetLeftRef, i) = sums.ToScalar();
            Unsafe.Add(ref wetRightRef, i) = sums.GetElement(LineCount / 2);

            Vector512<float> y = FastWalshHadamard16(v);
            Vector512<float> fed = (y * HadamardScale) + (inputLeft * Unsafe.Add(ref leftRef, i)) + (inputRight * Unsafe.Add(ref rightRef, i));
            Flush(fed, threshold).Store(delay + (write * LineCount));
            if ((write & (DenormalGrid.Frames - 1)) == 0)
            {
                lowPass = Flush(lowPass, threshold);
            }

            write = (write + 1) & _mask;
        }

        lowPass.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_lowPassStates));
        _write = write;
    }

    private unsafe void RenderWetVector256(ReadOnlySpan<float> inLeft, ReadOnlySpan<float> inRight, Span<float> wetLeft, Span<float> wetRight)
    {
        // As RenderWetVector512, with lines 0-7 in the "low" vectors and 8-15 in the "high" ones.
        float* delay = DelayOrigin();
        int* slots = stackalloc int[LineCount];
        int frames = inLeft.Length;
        ref float leftRef = ref MemoryMarshal.GetReference(inLeft);
        ref float rightRef = ref MemoryMarshal.GetReference(inRight);
        ref float wetLeftRef = ref MemoryMarshal.GetReference(wetLeft[..frames]);
        ref float wetRightRef = ref MemoryMarshal.GetReference(wetRight[..frames]);
        int write = _write;
        Vector256<int> offsetMask = Vector256.Create((_mask * LineCount) + (LineCount - 1));
        Vector256<int> step = Vector256.Create(LineCount);
        Vector256<int> mask = Vector256.Create(_mask);
        Vector256<int> readsLow = (((Vector256.Create(write) - LoadInts256(_lengths, 0)) & mask) * LineCount) + Vector256<int>.Indices;
        Vector256<int> readsHigh = (((Vector256.Create(write) - LoadInts256(_lengths, 8)) & mask) * LineCount) + Vector256<int>.Indices + Vector256.Create(8);
        Vector256<float> gainsLow = Load256(_lineGains, 0);
        Vector256<float> gainsHigh = Load256(_lineGains, 8);
        Vector256<float> lowPassLow = Load256(_lowPassStates, 0);
        Vector256<float> lowPassHigh = Load256(_lowPassStates, 8);
        Vector256<float> inputLeftLow = Load256(s_inputLeft, 0);
        Vector256<float> inputLeftHigh = Load256(s_inputLeft, 8);
        Vector256<float> inputRightLow = Load256(s_inputRight, 0);
        Vector256<float> inputRightHigh = Load256(s_inputRight, 8);
        Vector256<float> outputLeftLow = Load256(s_outputLeft, 0);
        Vector256<float> outputLeftHigh = Load256(s_outputLeft, 8);
        Vector256<float> outputRightLow = Load256(s_outputRight, 0);
        Vector256<float> outputRightHigh = Load256(s_outputRight, 8);
        Vector256<float> damping = Vector256.Create(_dampingCoefficient);
        Vector256<float> threshold = Vector256.Create(SanitizeKernels.FlushThreshold);
        for (int i = 0; i < frames; i++)
        {
            readsLow.Store(slots);
            readsHigh.Store(slots + 8);
            Vector256<float> tapLow = Vector256.Create(
                delay[slots[0]], delay[slots[1]], delay[slots[2]], delay[slots[3]], delay[slots[4]], delay[slots[5]], delay[slots[6]], delay[slots[7]]);
            Vector256<float> tapHigh = Vector256.Create(
                delay[slots[8]], delay[slots[9]], delay[slots[10]], delay[slots[11]], delay[slots[12]], delay[slots[13]], delay[slots[14]], delay[slots[15]]);
            readsLow = (readsLow + step) & offsetMask;
            readsHigh = (readsHigh + step) & offsetMask;
            Vector256<float> filteredLow = tapLow + (damping * (lowPassLow - tapLow));
            Vector256<float> filteredHigh = tapHigh + (damping * (lowPassHigh - tapHigh));
            lowPassLow = filteredLow;
            lowPassHigh = filteredHigh;
            Vector256<float> vLow = filteredLow * gainsLow;
            Vector256<float> vHigh = filteredHigh * gainsHigh;
            Vector256<float> sums = HorizontalSums((outputLeftLow * vLow) + (outputLeftHigh * vHigh), (outputRightLow * vLow) + (outputRightHigh * vHigh));
            Unsafe.Add(ref wetLeftRef, i) = sums.ToScalar();
            Unsafe.Add(ref wetRightRef, i) = sums.GetElement(4);

            // Stages 1, 2 and 4 within each half, then stage 8 across the halves: the scalar order.
            Vector256<float> yLow = FastWalshHadamard8(vLow);
            Vector256<float> yHigh = FastWalshHadamard8(vHigh);
            (yLow, yHigh) = (yLow + yHigh, yLow - yHigh);
            float left = Unsafe.Add(ref leftRef, i);
            float right = Unsafe.Add(ref rightRef, i);
            Vector256<float> fedLow = (yLow * HadamardScale) + (inputLeftLow * left) + (inputRightLow * right);
            Vector256<float> fedHigh = (yHigh * HadamardScale) + (inputLeftHigh * left) + (inputRightHigh * right);
            Flush(fedLow, threshold).Store(delay + (write * LineCount));
            Flush(fedHigh, threshold).Store(delay + (write * LineCount) + 8);
            if ((write & (DenormalGrid.Frames - 1)) == 0)
            {
                lowPassLow = Flush(lowPassLow, threshold);
                lowPassHigh = Flush(lowPassHigh, threshold);
            }

            write = (write + 1) & _mask;
        }

        lowPassLow.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_lowPassStates));
        lowPassHigh.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_lowPassStates), 8);
        _write = write;
    }

    // Magnitudes below the threshold become zero: the scalar path's flush, per lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Flush(Vector512<float> x, Vector512<float> threshold) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), threshold), Vector512<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Flush(Vector256<float> x, Vector256<float> threshold) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), threshold), Vector256<float>.Zero, x);

    private static Vector512<float> Load512(float[] values) => Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(values));

    private static Vector512<int> LoadInts512(int[] values) => Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(values));

    private static Vector256<float> Load256(float[] values, int start) => Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(values), (nuint)start);

    private static Vector256<int> LoadInts256(int[] values, int start) => Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(values), (nuint)start);

    // Both dot products in one reduction: the sum of left's lanes lands in lane 0, right's in lane 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HorizontalSums(Vector512<float> left, Vector512<float> right)
    {
        Vector512<int> swapHalves = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        Vector512<float> sums = Vector512.ConditionalSelect(
            Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(),
            left + Vector512.Shuffle(left, swapHalves),
            right + Vector512.Shuffle(right, swapHalves));
        sums += Vector512.Shuffle(sums, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
        sums += Vector512.Shuffle(sums, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
        return sums + Vector512.Shuffle(sums, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    }

    // Both dot products in one reduction: the sum of left's lanes lands in lane 0, right's in lane 4.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HorizontalSums(Vector256<float> left, Vector256<float> right)
    {
        Vector256<int> swapHalves = Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3);
        Vector256<float> sums = Vector256.ConditionalSelect(
            Vector256.Create(-1, -1, -1, -1, 0, 0, 0, 0).AsSingle(),
            left + Vector256.Shuffle(left, swapHalves),
            right + Vector256.Shuffle(right, swapHalves));
        sums += Vector256.Shuffle(sums, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5));
        return sums + Vector256.Shuffle(sums, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
    }

    private unsafe float* DelayOrigin() => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_delay)) + _delayStart;

    private void Design(float decaySec, float damping, float size)
    {
        _designedDecaySec = decaySec;
        _designedDamping = damping;
        _designedSize = size;
        double clampedSize = Math.Clamp(size, 0.1, MaxSize);
        int previous = 0;
        for (int j = 0; j < LineCount; j++)
        {
            int frames = (int)Math.Round(s_lengthsMs[j] * clampedSize * _sampleRate / 1000.0);
            _lengths[j] = NextPrime(Math.Max(frames, previous + 1));
            previous = _lengths[j];
        }

        double decay = Math.Clamp(decaySec, 0.1, 30.0) * _sampleRate;
        for (int j = 0; j < LineCount; j++)
        {
            _lineGains[j] = (float)Math.Pow(10.0, -3.0 * _lengths[j] / decay);
        }

        // Damping 0 bypasses the loop filter; 1 puts its corner near 160 Hz (20 kHz halved 7 times).
        double dampingClamped = Math.Clamp(damping, 0f, 1f);
        double cornerHz = Math.Min(20_000.0 * Math.Pow(2.0, -7.0 * dampingClamped), 0.45 * _sampleRate);
        _dampingCoefficient = dampingClamped <= 0 ? 0f : (float)Math.Exp(-2.0 * Math.PI * cornerHz / _sampleRate);
    }

    private static void FastWalshHadamard16(Span<float> y)
    {
        for (int half = 1; half < LineCount; half <<= 1)
        {
            for (int start = 0; start < LineCount; start += half << 1)
            {
                for (int j = start; j < start + half; j++)
                {
                    float a = y[j];
                    float b = y[j + half];
                    y[j] = a + b;
                    y[j + half] = a - b;
                }
            }
        }
    }

    // A butterfly stage of span h pairs lane j with lane j ^ h: partner + y gives a + b on the lanes with bit h
    // clear, partner - y gives a - b on the others, exactly as the scalar stage (x × ±1 is exact).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FastWalshHadamard16(Vector512<float> y)
    {
        y = Vector512.Shuffle(y, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14))
            + (y * Vector512.Create(1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f));
        y = Vector512.Shuffle(y, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13))
            + (y * Vector512.Create(1f, 1f, -1f, -1f, 1f, 1f, -1f, -1f, 1f, 1f, -1f, -1f, 1f, 1f, -1f, -1f));
        y = Vector512.Shuffle(y, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11))
            + (y * Vector512.Create(1f, 1f, 1f, 1f, -1f, -1f, -1f, -1f, 1f, 1f, 1f, 1f, -1f, -1f, -1f, -1f));
        y = Vector512.Shuffle(y, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))
            + (y * Vector512.Create(1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, -1f, -1f, -1f, -1f, -1f, -1f, -1f, -1f));
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FastWalshHadamard8(Vector256<float> y)
    {
        y = Vector256.Shuffle(y, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)) + (y * Vector256.Create(1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f));
        y = Vector256.Shuffle(y, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)) + (y * Vector256.Create(1f, 1f, -1f, -1f, 1f, 1f, -1f, -1f));
        y = Vector256.Shuffle(y, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)) + (y * Vector256.Create(1f, 1f, 1f, 1f, -1f, -1f, -1f, -1f));
        return y;
    }

    private static unsafe int AlignedStart(float[] pinned)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)(((64 - (address & 63)) & 63) / sizeof(float));
    }

    private static int NextPrime(int value)
    {
        for (int candidate = Math.Max(value, 2); ; candidate++)
        {
            if (IsPrime(candidate))
            {
                return candidate;
            }
        }
    }

    private static bool IsPrime(int value)
    {
        if (value < 4)
        {
            return value >= 2;
        }

        if (value % 2 == 0)
        {
            return false;
        }

        for (int divisor = 3; divisor * divisor <= value; divisor += 2)
        {
            if (value % divisor == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static float[] Signs(int pattern, float gain)
    {
        var signs = new float[LineCount];
        for (int j = 0; j < LineCount; j++)
        {
            signs[j] = ((pattern >> j) & 1) != 0 ? -gain : gain;
        }

        return signs;
    }

    /// <summary>dry × (1 - mix) + wet × mix, rounded as the scalar expression in every tier.</summary>
    private readonly struct DryWetOperator : ITernaryKernelOperator
    {
        public static float Invoke(float dry, float wet, float mix) => (dry * (1f - mix)) + (wet * mix);

        public static Vector128<float> Invoke(Vector128<float> dry, Vector128<float> wet, Vector128<float> mix) => (dry * (Vector128<float>.One - mix)) + (wet * mix);

        public static Vector256<float> Invoke(Vector256<float> dry, Vector256<float> wet, Vector256<float> mix) => (dry * (Vector256<float>.One - mix)) + (wet * mix);

        public static Vector512<float> Invoke(Vector512<float> dry, Vector512<float> wet, Vector512<float> mix) => (dry * (Vector512<float>.One - mix)) + (wet * mix);
    }
}
