using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Tests.Dsp.Kernels;

public sealed class KernelSelfTestTests
{
    public static TheoryData<string> CheckNames => new(KernelSelfTest.Checks.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CheckNames))]
    public void SimdKernel_EqualsScalarReference(string name)
    {
        KernelCheck check = KernelSelfTest.Checks.Single(c => c.Name == name);
        double difference = check.Run(new Random(99));
        Assert.True(difference <= check.Tolerance, $"{name}: SIMD differs from scalar by {difference} (allowed {check.Tolerance}) with {KernelSelfTest.InstructionSets}");
    }

    [Fact]
    public void EveryKernelFamily_HasChecks()
    {
        string[] families = [.. KernelSelfTest.Checks.Select(c => c.Name.Split('.')[0]).Distinct()];
        Assert.True(families.Length >= 3, "Expected checks from core, source and processor kernels; found: " + string.Join(", ", families));
    }
}
