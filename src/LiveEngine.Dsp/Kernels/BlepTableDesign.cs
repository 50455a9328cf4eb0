using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LiveEngine.Dsp.Kernels;

/// <summary>
/// Computes <see cref="BlepTable"/>'s residual tables (see its remarks for the design). A class of its own, with no
/// static state: BlepTable's static constructor calls it, and calls into a class whose static constructor is still
/// running take the runtime's class-initialisation slow path (a lock) every time: for the 131,073 grid points' window
/// and sinc that was most of the table's cost, which every process that plays a band-limited oscillator pays at start
/// (profiled on a loaded machine: 14–17 ms of CPU before, 8–10 ms now). The integration's three grids (1 MB each) live
/// in native memory for the build only: as arrays on the large-object heap they set off a full (gen-2) collection in
/// the start-up of every render, 4–7 ms with every thread stopped (docs/performance.md, "where the rest went").
/// </summary>
internal static unsafe class BlepTableDesign
{
    // Integration grid: this many points per table phase, so every table entry is a grid point.
    private const int GridPerPhase = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (float[] Step, float[] Ramp) Build()
    {
        int intervals = BlepTable.Taps * BlepTable.Phases * GridPerPhase;
        double* grids = (double*)NativeMemory.Alloc((nuint)(3 * (intervals + 1)), sizeof(double));
        try
        {
            return Build(intervals, new Span<double>(grids, intervals + 1), new Span<double>(grids + intervals + 1, intervals + 1), new Span<double>(grids + (2 * (intervals + 1)), intervals + 1));
        }
        finally
        {
            NativeMemory.Free(grids);
        }
    }

    /// <summary>The design, integrating over the given grids of <paramref name="intervals"/> + 1 points each (the step and ramp start at 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float[] Step, float[] Ramp) Build(int intervals, Span<double> impulse, Span<double> step, Span<double> ramp)
    {
        double dx = 1.0 / (BlepTable.Phases * GridPerPhase);
        double i0Beta = BesselI0(BlepTable.KaiserBeta);
        for (int k = 0; k <= intervals; k++)
        {
            double x = (k * dx) - BlepTable.HalfTaps;
            double r = x / BlepTable.HalfTaps;
            double window = BesselI0(BlepTable.KaiserBeta * Math.Sqrt(Math.Max(0.0, 1.0 - (r * r)))) / i0Beta;
            impulse[k] = Sinc(BlepTable.CutoffRelativeToNyquist * x) * window;
        }

        // Cumulative trapezoid integrals: the step is the integral of the impulse, normalised to end at 1;
        // the ramp is the integral of the step.
        step[0] = 0;
        for (int k = 1; k <= intervals; k++)
        {
            step[k] = step[k - 1] + (0.5 * dx * (impulse[k - 1] + impulse[k]));
        }

        double total = step[intervals];
        for (int k = 0; k <= intervals; k++)
        {
            step[k] /= total;
        }

        ramp[0] = 0;
        for (int k = 1; k <= intervals; k++)
        {
            ramp[k] = ramp[k - 1] + (0.5 * dx * (step[k - 1] + step[k]));
        }

        var stepTable = new float[(BlepTable.Phases + 1) * BlepTable.Taps];
        var rampTable = new float[(BlepTable.Phases + 1) * BlepTable.Taps];
        for (int q = 0; q <= BlepTable.Phases; q++)
        {
            for (int j = 0; j < BlepTable.Taps; j++)
            {
                // Frame j - HalfTaps relative to the frame after the discontinuity, which lies q / Phases of a
                // sample before that frame. The naive waveform has taken the step for j >= HalfTaps only, for
                // every q including the limit q = Phases, which keeps rows continuous for interpolation.
                int k = ((j * BlepTable.Phases) + q) * GridPerPhase;
                double x = (k * dx) - BlepTable.HalfTaps;
                bool after = j >= BlepTable.HalfTaps;
                stepTable[(q * BlepTable.Taps) + j] = (float)(step[k] - (after ? 1.0 : 0.0));
                rampTable[(q * BlepTable.Taps) + j] = (float)(ramp[k] - (after ? x : 0.0));
            }
        }

        return (stepTable, rampTable);
    }

    private static double Sinc(double x) => x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double BesselI0(double x)
    {
        double sum = 1.0;
        double term = 1.0;
        double half = x / 2;
        for (int k = 1; k < 64; k++)
        {
            term *= half / k;
            double squared = term * term;
            sum += squared;
            if (squared < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
