using System.Runtime.Intrinsics;

namespace LiveEngine.Kernels;

/// <summary>
/// An element-wise operation on two operands, in a scalar form (the specification) and a vector form
/// that must give the same bits for every lane. Kernels are generic over these structs so that one loop
/// serves add, multiply and their kin (after TensorPrimitives.IBinaryOperator).
/// </summary>
public interface IBinaryKernelOperator
{
    static abstract float Invoke(float x, float y);

    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);

    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>x + y.</summary>
public readonly struct AddOperator : IBinaryKernelOperator
{
    public static float Invoke(float x, float y) => x + y;

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;

    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}

/// <summary>x * y.</summary>
public readonly struct MultiplyOperator : IBinaryKernelOperator
{
    public static float Invoke(float x, float y) => x * y;

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;

    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
}
