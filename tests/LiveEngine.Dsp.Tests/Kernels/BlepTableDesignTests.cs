using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Tests.Dsp.Kernels;

public sealed class BlepTableDesignTests
{
    [Fact]
    public void Build_AllocatesOnlyTheTwoTables_NoLargeIntegrationGrids()
    {
        BlepTableDesign.Build();
        long before = GC.GetAllocatedBytesForCurrentThread();

        (float[] step, float[] ramp) = BlepTableDesign.Build();

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long tables = (step.Length + ramp.Length) * sizeof(float);

        // The three 1 MB integration grids were arrays on the large-object heap, which set off a full collection at
        // the start of every render; only the tables themselves (and their array headers) may be managed now.
        Assert.InRange(allocated, tables, tables + 1024);
    }
}
