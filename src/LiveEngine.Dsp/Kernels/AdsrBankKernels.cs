using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// A bank's envelopes across lanes: a run of frames in which no lane ends its segment (the bank finds the run and
/// moves each lane to its next segment between runs, as <see cref="AdsrEnvelope"/> does), every lane's value per
/// frame written frame-major. The same double operations in the same order as <see cref="AdsrEnvelope.Render"/>
/// (no fused multiply-add, the double-to-float conversion rounds to nearest), so every tier gives the node's bits.
/// A scalar specification and Vector512/256/128 tiers, 8/4/2 double lanes narrowed to 16/8/4 floats.
/// </summary>
public static class AdsrBankKernels
{
    /// <summary>
    /// Writes frames 0 .. <paramref name="run"/> of every lane into <paramref name="output"/>[f · width + lane] and
    /// advances the lanes' <see cref="AdsrBankLanes.Position"/> and <see cref="AdsrBankLanes.Curve"/> by the run.
    /// </summary>
    public static void Render(AdsrBankLanes lanes, int run, Span<float> output, int vectorBits)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        int width = lanes.Width;
        if (width % 16 != 0 || run < 0 || output.Length < run * width)
        {
            throw new ArgumentException("Render needs lanes in groups of 16 and an output that covers every frame and lane.");
        }

        switch (vectorBits)
        {
            case 512 when Vector512.IsHardwareAccelerated:
                Render512(lanes, run, output);
                break;
            case 256 when Vector256.IsHardwareAccelerated:
                Render256(lanes, run, output);
                break;
            case 128 when Vector128.IsHardwareAccelerated:
                Render128(lanes, run, output);
                break;
            default:
                RenderReference(lanes, run, output);
                break;
        }
    }

    /// <summary>The scalar specification of <see cref="Render"/>: <see cref="AdsrEnvelope"/>'s formulas, lane by lane.</summary>
    public static void RenderReference(AdsrBankLanes lanes, int run, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        int width = lanes.Width;
        double scale = AdsrEnvelope.CurveScale;
        for (int lane = 0; lane < width; lane++)
        {
            double start = lanes.Start[lane];
            double span = lanes.Span[lane];
            double position = lanes.Position[lane];
            double length = lanes.Length[lane];
            double curve = lanes.Curve[lane];
            double ratio = lanes.Ratio[lane];
            bool attack = lanes.AttackMask[lane] != 0;
            for (int f = 0; f < run; f++)
            {
                double value = attack
                    ? start + ((1.0 - start) * position / length)
                    : start - (span * ((1.0 - curve) * scale));
                output[(f * width) + lane] = (float)value;
                position += 1.0;
                curve *= ratio;
            }

            lanes.Position[lane] = position;
            lanes.Curve[lane] = curve;
        }
    }

    private static void Render512(AdsrBankLanes lanes, int run, Span<float> output)
    {
        int width = lanes.Width;
        ref float outRef = ref MemoryMarshal.GetReference(output);
        Vector512<double> one = Vector512<double>.One;
        Vector512<double> scale = Vector512.Create(AdsrEnvelope.CurveScale);
        for (int g = 0; g < width; g += 16)
        {
            Lanes512 a = Lanes512.Load(lanes, g);
            Lanes512 b = Lanes512.Load(lanes, g + 8);
            for (int f = 0; f < run; f++)
            {
                Vector512<float> value = Vector512.Narrow(a.Value(one, scale), b.Value(one, scale));
                value.StoreUnsafe(ref outRef, (nuint)((f * width) + g));
                a.Step(one);
                b.Step(one);
            }

            a.Store(lanes, g);
            b.Store(lanes, g + 8);
        }
    }

    private static void Render256(AdsrBankLanes lanes, int run, Span<float> output)
    {
        int width = lanes.Width;
        ref float outRef = ref MemoryMarshal.GetReference(output);
        Vector256<double> one = Vector256<double>.One;
        Vector256<double> scale = Vector256.Create(AdsrEnvelope.CurveScale);
        for (int g = 0; g < width; g += 8)
        {
            Lanes256 a = Lanes256.Load(lanes, g);
            Lanes256 b = Lanes256.Load(lanes, g + 4);
            for (int f = 0; f < run; f++)
            {
                Vector256<float> value = Vector256.Narrow(a.Value(one, scale), b.Value(one, scale));
                value.StoreUnsafe(ref outRef, (nuint)((f * width) + g));
                a.Step(one);
                b.Step(one);
            }

            a.Store(lanes, g);
            b.Store(lanes, g + 4);
        }
    }

    private static void Render128(AdsrBankLanes lanes, int run, Span<float> output)
    {
        int width = lanes.Width;
        ref float outRef = ref MemoryMarshal.GetReference(output);
        Vector128<double> one = Vector128<double>.One;
        Vector128<double> scale = Vector128.Create(AdsrEnvelope.CurveScale);
        for (int g = 0; g < width; g += 4)
        {
            Lanes128 a = Lanes128.Load(lanes, g);
            Lanes128 b = Lanes128.Load(lanes, g + 2);
            for (int f = 0; f < run; f++)
            {
                Vector128<float> value = Vector128.Narrow(a.Value(one, scale), b.Value(one, scale));
                value.StoreUnsafe(ref outRef, (nuint)((f * width) + g));
                a.Step(one);
                b.Step(one);
            }

            a.Store(lanes, g);
            b.Store(lanes, g + 2);
        }
    }

    private struct Lanes512
    {
        public Vector512<double> Start;
        public Vector512<double> Span;
        public Vector512<double> Position;
        public Vector512<double> Length;
        public Vector512<double> Curve;
        public Vector512<double> Ratio;
        public Vector512<double> Attack;

        public static Lanes512 Load(AdsrBankLanes lanes, int at) => new()
        {
            Start = Vector512.Create<double>(lanes.Start.AsSpan(at)),
            Span = Vector512.Create<double>(lanes.Span.AsSpan(at)),
            Position = Vector512.Create<double>(lanes.Position.AsSpan(at)),
            Length = Vector512.Create<double>(lanes.Length.AsSpan(at)),
            Curve = Vector512.Create<double>(lanes.Curve.AsSpan(at)),
            Ratio = Vector512.Create<double>(lanes.Ratio.AsSpan(at)),
            Attack = Vector512.Create<long>(lanes.AttackMask.AsSpan(at)).AsDouble(),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<double> Value(Vector512<double> one, Vector512<double> scale)
        {
            Vector512<double> attack = Start + ((one - Start) * Position / Length);
            Vector512<double> curve = Start - (Span * ((one - Curve) * scale));
            return Vector512.ConditionalSelect(Attack, attack, curve);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(Vector512<double> one)
        {
            Position += one;
            Curve *= Ratio;
        }

        public readonly void Store(AdsrBankLanes lanes, int at)
        {
            Position.CopyTo(lanes.Position.AsSpan(at));
            Curve.CopyTo(lanes.Curve.AsSpan(at));
        }
    }

    private struct Lanes256
    {
        public Vector256<double> Start;
        public Vector256<double> Span;
        public Vector256<double> Position;
        public Vector256<double> Length;
        public Vector256<double> Curve;
        public Vector256<double> Ratio;
        public Vector256<double> Attack;

        public static Lanes256 Load(AdsrBankLanes lanes, int at) => new()
        {
            Start = Vector256.Create<double>(lanes.Start.AsSpan(at)),
            Span = Vector256.Create<double>(lanes.Span.AsSpan(at)),
            Position = Vector256.Create<double>(lanes.Position.AsSpan(at)),
            Length = Vector256.Create<double>(lanes.Length.AsSpan(at)),
            Curve = Vector256.Create<double>(lanes.Curve.AsSpan(at)),
            Ratio = Vector256.Create<double>(lanes.Ratio.AsSpan(at)),
            Attack = Vector256.Create<long>(lanes.AttackMask.AsSpan(at)).AsDouble(),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<double> Value(Vector256<double> one, Vector256<double> scale)
        {
            Vector256<double> attack = Start + ((one - Start) * Position / Length);
            Vector256<double> curve = Start - (Span * ((one - Curve) * scale));
            return Vector256.ConditionalSelect(Attack, attack, curve);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(Vector256<double> one)
        {
            Position += one;
            Curve *= Ratio;
        }

        public readonly void Store(AdsrBankLanes lanes, int at)
        {
            Position.CopyTo(lanes.Position.AsSpan(at));
            Curve.CopyTo(lanes.Curve.AsSpan(at));
        }
    }

    private struct Lanes128
    {
        public Vector128<double> Start;
        public Vector128<double> Span;
        public Vector128<double> Position;
        public Vector128<double> Length;
        public Vector128<double> Curve;
        public Vector128<double> Ratio;
        public Vector128<double> Attack;

        public static Lanes128 Load(AdsrBankLanes lanes, int at) => new()
        {
            Start = Vector128.Create<double>(lanes.Start.AsSpan(at)),
            Span = Vector128.Create<double>(lanes.Span.AsSpan(at)),
            Position = Vector128.Create<double>(lanes.Position.AsSpan(at)),
            Length = Vector128.Create<double>(lanes.Length.AsSpan(at)),
            Curve = Vector128.Create<double>(lanes.Curve.AsSpan(at)),
            Ratio = Vector128.Create<double>(lanes.Ratio.AsSpan(at)),
            Attack = Vector128.Create<long>(lanes.AttackMask.AsSpan(at)).AsDouble(),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector128<double> Value(Vector128<double> one, Vector128<double> scale)
        {
            Vector128<double> attack = Start + ((one - Start) * Position / Length);
            Vector128<double> curve = Start - (Span * ((one - Curve) * scale));
            return Vector128.ConditionalSelect(Attack, attack, curve);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(Vector128<double> one)
        {
            Position += one;
            Curve *= Ratio;
        }

        public readonly void Store(AdsrBankLanes lanes, int at)
        {
            Position.CopyTo(lanes.Position.AsSpan(at));
            Curve.CopyTo(lanes.Curve.AsSpan(at));
        }
    }
}
