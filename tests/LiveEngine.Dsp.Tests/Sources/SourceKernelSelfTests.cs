using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Dsp.Tests.Sources;

public sealed class SourceKernelSelfTests
{
    public static TheoryData<string> SourceKernels() => ["osc.phase", "osc.sine", "osc.saw", "osc.square", "osc.triangle", "osc.blep.row", "noise.white"];

    [Theory]
    [MemberData(nameof(SourceKernels))]
    public void SourceKernel_VectorMatchesScalarSpecification(string name)
    {
        KernelCheck? check = null;
        foreach (KernelCheck candidate in KernelSelfTest.Checks)
        {
            if (candidate.Name == name)
            {
                check = candidate;
            }
        }

        Assert.NotNull(check);
        double difference = check.Run(new Random(1234));
        Assert.True(difference <= check.Tolerance, $"{name}: vector and scalar differ by {difference} ({KernelSelfTest.InstructionSets}).");
    }

    [Fact]
    public void BlepTable_StepResidual_EndsAtZeroOnBothSides()
    {
        ReadOnlySpan<float> step = BlepTable.StepResidual;
        ReadOnlySpan<float> ramp = BlepTable.RampResidual;
        for (int q = 0; q <= BlepTable.Phases; q++)
        {
            ReadOnlySpan<float> row = step.Slice(q * BlepTable.Taps, BlepTable.Taps);
            Assert.True(Math.Abs(row[0]) < 1e-4 && Math.Abs(row[^1]) < 1e-4, $"Step row {q} does not fade out: {row[0]}, {row[^1]}.");
            ReadOnlySpan<float> rampRow = ramp.Slice(q * BlepTable.Taps, BlepTable.Taps);
            Assert.True(Math.Abs(rampRow[0]) < 1e-4 && Math.Abs(rampRow[^1]) < 1e-4, $"Ramp row {q} does not fade out: {rampRow[0]}, {rampRow[^1]}.");
        }

        // At the discontinuity itself the band-limited step is halfway: residual -1/2 on the frame at it.
        Assert.Equal(-0.5f, step[BlepTable.HalfTaps], 4);
    }
}
