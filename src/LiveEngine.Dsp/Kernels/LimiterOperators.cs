using System.Runtime.Intrinsics;
using LiveEngine.Kernels;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// op(x, c) = x clamped to [-c, c], then 0 when its magnitude is below <see cref="SanitizeKernels.FlushThreshold"/>.
/// The limiter's last step: its gain already keeps |x| at or below c, the clamp only absorbs rounding. Meant for
/// finite x (the master sanitises first) and c &gt; 0.
/// </summary>
public readonly struct ClampFlushOperator : IBinaryKernelOperator
{
    public static float Invoke(float x, float y)
    {
        float clamped = MathF.Min(MathF.Max(x, -y), y);
        return MathF.Abs(clamped) < SanitizeKernels.FlushThreshold ? 0f : clamped;
    }

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y)
    {
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, -y), y);
        return Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(clamped), Vector128.Create(SanitizeKernels.FlushThreshold)), Vector128<float>.Zero, clamped);
    }

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y)
    {
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, -y), y);
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(clamped), Vector256.Create(SanitizeKernels.FlushThreshold)), Vector256<float>.Zero, clamped);
    }

    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> clamped = Vector512.Min(Vector512.Max(x, -y), y);
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(clamped), Vector512.Create(SanitizeKernels.FlushThreshold)), Vector512<float>.Zero, clamped);
    }
}

/// <summary>max(|x|, |y|): folds channels into one peak-detector signal.</summary>
public readonly struct MaxMagnitudeOperator : IBinaryKernelOperator
{
    public static float Invoke(float x, float y) => MathF.Max(MathF.Abs(x), MathF.Abs(y));

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.Max(Vector128.Abs(x), Vector128.Abs(y));

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Max(Vector256.Abs(x), Vector256.Abs(y));

    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Max(Vector512.Abs(x), Vector512.Abs(y));
}
