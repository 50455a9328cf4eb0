using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// An element-wise operation on three operands, in a scalar form (the specification) and a vector form that
/// must give the same bits for every lane; the three-operand sibling of <see cref="LiveEngine.Kernels.IBinaryKernelOperator"/>.
/// </summary>
public interface ITernaryKernelOperator
{
    static abstract float Invoke(float x, float y, float z);

    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z);

    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z);

    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z);
}

/// <summary>
/// x * y + z, rounded twice (a multiply, then an add) in every tier. Deliberately not a fused multiply-add:
/// FMA rounds once, so a machine without it would give other bits than one with it.
/// </summary>
public readonly struct MultiplyAddOperator : ITernaryKernelOperator
{
    public static float Invoke(float x, float y, float z) => (x * y) + z;

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z) => (x * y) + z;

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => (x * y) + z;

    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => (x * y) + z;
}
