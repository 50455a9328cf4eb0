using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// The naive waveform of each lane of a voice bank whose lanes mix oscillator types, chosen by the lane's argument:
/// <see cref="Saw"/>, <see cref="Triangle"/> or <see cref="Sine"/>, or else a pulse whose width threshold the argument
/// is (a width is clamped to at least 0.01 period, so a threshold is never below 4). Each lane gets its own shaper's
/// bits: the vector forms compute every shape and select per lane.
/// </summary>
public readonly struct LaneShaper : IPhaseShaper
{
    /// <summary>The argument of a saw lane (<see cref="SawShaper"/>).</summary>
    public const uint Saw = 1;

    /// <summary>The argument of a triangle lane (<see cref="TriangleShaper"/>).</summary>
    public const uint Triangle = 2;

    /// <summary>The argument of a sine lane (<see cref="SineShaper"/>).</summary>
    public const uint Sine = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(uint phase, uint argument) => argument switch
    {
        Saw => SawShaper.Invoke(phase, 0),
        Triangle => TriangleShaper.Invoke(phase, 0),
        Sine => SineShaper.Invoke(phase, 0),
        _ => SquareShaper.Invoke(phase, argument),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<uint> phase, Vector128<uint> argument)
    {
        Vector128<float> saw = SawShaper.Invoke(phase, argument);
        Vector128<float> triangle = (Vector128.Abs(saw) * Vector128.Create(2f)) - Vector128<float>.One;
        Vector128<float> value = SquareShaper.Invoke(phase, argument);
        value = Vector128.ConditionalSelect(Vector128.Equals(argument, Vector128.Create(Saw)).AsSingle(), saw, value);
        value = Vector128.ConditionalSelect(Vector128.Equals(argument, Vector128.Create(Triangle)).AsSingle(), triangle, value);
        return Vector128.ConditionalSelect(Vector128.Equals(argument, Vector128.Create(Sine)).AsSingle(), SineShaper.Invoke(phase, argument), value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<uint> phase, Vector256<uint> argument)
    {
        Vector256<float> saw = SawShaper.Invoke(phase, argument);
        Vector256<float> triangle = (Vector256.Abs(saw) * Vector256.Create(2f)) - Vector256<float>.One;
        Vector256<float> value = SquareShaper.Invoke(phase, argument);
        value = Vector256.ConditionalSelect(Vector256.Equals(argument, Vector256.Create(Saw)).AsSingle(), saw, value);
        value = Vector256.ConditionalSelect(Vector256.Equals(argument, Vector256.Create(Triangle)).AsSingle(), triangle, value);
        return Vector256.ConditionalSelect(Vector256.Equals(argument, Vector256.Create(Sine)).AsSingle(), SineShaper.Invoke(phase, argument), value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<uint> phase, Vector512<uint> argument)
    {
        Vector512<float> saw = SawShaper.Invoke(phase, argument);
        Vector512<float> triangle = (Vector512.Abs(saw) * Vector512.Create(2f)) - Vector512<float>.One;
        Vector512<float> value = SquareShaper.Invoke(phase, argument);
        value = Vector512.ConditionalSelect(Vector512.Equals(argument, Vector512.Create(Saw)).AsSingle(), saw, value);
        value = Vector512.ConditionalSelect(Vector512.Equals(argument, Vector512.Create(Triangle)).AsSingle(), triangle, value);
        return Vector512.ConditionalSelect(Vector512.Equals(argument, Vector512.Create(Sine)).AsSingle(), SineShaper.Invoke(phase, argument), value);
    }
}
