using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Tests.Dsp.Kernels;

public sealed class VoiceBankSawKernelsTests
{
    [Fact]
    public void AddWrap_AddsTheSawNodesStepResidualToItsLanesRowsFromEveryRingRow()
    {
        // A wrap's 64 taps go to its lane's rows row .. row + 63, wrapping at the ring's end: from every row, aligned to
        // the 16-row runs or not, straddling the end or not. Every other cell, of the lane and of the other lanes, keeps
        // its bits. The taps are the saw node's own (BlepTable.AddStep), added cell by cell.
        const int Width = 32;
        const int Rows = VoiceBankSawKernels.RingRows;
        var random = new Random(5);
        for (int row = 0; row < Rows; row++)
        {
            var ring = new float[Rows * Width];
            for (int i = 0; i < ring.Length; i++)
            {
                ring[i] = (float)(random.NextDouble() - 0.5);
            }

            float[] expected = (float[])ring.Clone();
            int lane = random.Next(Width);
            uint increment = (uint)random.Next(1 << 20, int.MaxValue);
            uint phase = (uint)random.NextInt64(0, increment);
            VoiceBankSawKernels.AddWrap(ref ring[0], lane, row, phase, increment);

            var taps = new float[BlepTable.Taps];
            BlepTable.AddStep(taps, 0, (double)phase / increment, -2f);
            for (int k = 0; k < BlepTable.Taps; k++)
            {
                expected[(lane * Rows) + ((row + k) & (Rows - 1))] += taps[k];
            }

            for (int i = 0; i < ring.Length; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(ring[i]),
                    $"wrap at row {row} of lane {lane}: cell {i} (lane {i / Rows}, row {i % Rows}) is {ring[i]}, expected {expected[i]}");
            }
        }
    }
}
