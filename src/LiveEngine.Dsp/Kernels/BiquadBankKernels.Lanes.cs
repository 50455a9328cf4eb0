using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

public static partial class BiquadBankKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProcessLanes<TLanes>(ref BiquadBankBlock block)
        where TLanes : struct, IFloatLanes<TLanes>
    {
        int width = block.Width;
        int frames = block.Frames;
        int stages = block.Stages;
        int stride = block.CoefficientStride;
        int stageStride = block.StageStride;
        ref float signalRef = ref MemoryMarshal.GetReference(block.Signal);
        ref float z1Ref = ref MemoryMarshal.GetReference(block.Z1);
        ref float z2Ref = ref MemoryMarshal.GetReference(block.Z2);
        var c = new CoefficientRefs(in block);
        TLanes threshold = TLanes.Broadcast(FlushThreshold);

        // Lanes chunk by chunk; per frame the sample runs through every stage, so the stages' recursions (each a
        // multiply and a subtract through y) are in flight together. Each stage's state stays in registers for the
        // whole block; the spans were validated.
        for (int lane = 0; lane < width; lane += TLanes.Count)
        {
            nuint l = (nuint)lane;
            TLanes z10 = TLanes.Load(ref z1Ref, l);
            TLanes z20 = TLanes.Load(ref z2Ref, l);
            TLanes z11 = stages > 1 ? TLanes.Load(ref z1Ref, l + (nuint)width) : default;
            TLanes z21 = stages > 1 ? TLanes.Load(ref z2Ref, l + (nuint)width) : default;
            TLanes z12 = stages > 2 ? TLanes.Load(ref z1Ref, l + (nuint)(2 * width)) : default;
            TLanes z22 = stages > 2 ? TLanes.Load(ref z2Ref, l + (nuint)(2 * width)) : default;
            TLanes z13 = stages > 3 ? TLanes.Load(ref z1Ref, l + (nuint)(3 * width)) : default;
            TLanes z23 = stages > 3 ? TLanes.Load(ref z2Ref, l + (nuint)(3 * width)) : default;
            for (int f = 0; f < frames; f++)
            {
                nuint at = (nuint)(f * width) + l;
                nuint k = (nuint)(f * stride) + l;
                TLanes x = TLanes.Load(ref signalRef, at);
                x = Step<TLanes>(x, ref z10, ref z20, ref c, k);
                if (stages > 1)
                {
                    x = Step<TLanes>(x, ref z11, ref z21, ref c, k + (nuint)stageStride);
                    if (stages > 2)
                    {
                        x = Step<TLanes>(x, ref z12, ref z22, ref c, k + (nuint)(2 * stageStride));
                        if (stages > 3)
                        {
                            x = Step<TLanes>(x, ref z13, ref z23, ref c, k + (nuint)(3 * stageStride));
                        }
                    }
                }

                x.Store(ref signalRef, at);
                if (EndsGridStep(block.SampleTime, f))
                {
                    z10 = TLanes.Flush(z10, threshold);
                    z20 = TLanes.Flush(z20, threshold);
                    z11 = TLanes.Flush(z11, threshold);
                    z21 = TLanes.Flush(z21, threshold);
                    z12 = TLanes.Flush(z12, threshold);
                    z22 = TLanes.Flush(z22, threshold);
                    z13 = TLanes.Flush(z13, threshold);
                    z23 = TLanes.Flush(z23, threshold);
                }
            }

            z10.Store(ref z1Ref, l);
            z20.Store(ref z2Ref, l);
            if (stages > 1)
            {
                z11.Store(ref z1Ref, l + (nuint)width);
                z21.Store(ref z2Ref, l + (nuint)width);
            }

            if (stages > 2)
            {
                z12.Store(ref z1Ref, l + (nuint)(2 * width));
                z22.Store(ref z2Ref, l + (nuint)(2 * width));
            }

            if (stages > 3)
            {
                z13.Store(ref z1Ref, l + (nuint)(3 * width));
                z23.Store(ref z2Ref, l + (nuint)(3 * width));
            }
        }
    }

    /// <summary>One stage, one frame, as <see cref="ProcessReference"/>: the same float operations lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TLanes Step<TLanes>(TLanes x, ref TLanes z1, ref TLanes z2, ref CoefficientRefs c, nuint k)
        where TLanes : struct, IFloatLanes<TLanes>
    {
        TLanes y = (TLanes.Load(ref c.B0, k) * x) + z1;
        z1 = ((TLanes.Load(ref c.B1, k) * x) + z2) - (TLanes.Load(ref c.A1, k) * y);
        z2 = (TLanes.Load(ref c.B2, k) * x) - (TLanes.Load(ref c.A2, k) * y);
        return y;
    }

    /// <summary>
    /// What <see cref="ProcessLanes"/> needs of a vector of float lanes, so that one loop serves every tier (the
    /// runtime's own ISimdVector is not public). Each implementation wraps one Vector*&lt;float&gt;; the JIT inlines
    /// them to the bare instructions.
    /// </summary>
    private interface IFloatLanes<TSelf>
        where TSelf : struct, IFloatLanes<TSelf>
    {
        static abstract int Count { get; }

        static abstract TSelf Load(ref float source, nuint offset);

        static abstract TSelf Broadcast(float value);

        /// <summary>Zero where |z| is below <paramref name="threshold"/> (denormal and tiny states), z elsewhere.</summary>
        static abstract TSelf Flush(TSelf z, TSelf threshold);

        static abstract TSelf operator +(TSelf a, TSelf b);

        static abstract TSelf operator -(TSelf a, TSelf b);

        static abstract TSelf operator *(TSelf a, TSelf b);

        void Store(ref float destination, nuint offset);
    }

    private readonly struct Lanes512(Vector512<float> value) : IFloatLanes<Lanes512>
    {
        private readonly Vector512<float> _value = value;

        public static int Count => Vector512<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 Flush(Lanes512 z, Lanes512 threshold) =>
            new(Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(z._value), threshold._value), Vector512<float>.Zero, z._value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a._value + b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a._value - b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a._value * b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);
    }

    private readonly struct Lanes256(Vector256<float> value) : IFloatLanes<Lanes256>
    {
        private readonly Vector256<float> _value = value;

        public static int Count => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 Flush(Lanes256 z, Lanes256 threshold) =>
            new(Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(z._value), threshold._value), Vector256<float>.Zero, z._value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._value + b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a._value - b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._value * b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);
    }

    private readonly struct Lanes128(Vector128<float> value) : IFloatLanes<Lanes128>
    {
        private readonly Vector128<float> _value = value;

        public static int Count => Vector128<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 Load(ref float source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 Broadcast(float value) => new(Vector128.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 Flush(Lanes128 z, Lanes128 threshold) =>
            new(Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(z._value), threshold._value), Vector128<float>.Zero, z._value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a._value + b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(a._value - b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a._value * b._value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref float destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);
    }
}
