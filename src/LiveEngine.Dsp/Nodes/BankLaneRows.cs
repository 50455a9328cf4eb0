using System.Runtime.CompilerServices;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// Per-lane scratch rows for a voice bank whose stages run through their own nodes, one lane at a time (a source, an
/// envelope): a pinned lane-major block (row r is frames long) that a node's <see cref="ProcessContext"/> points into,
/// and the transpose into the frame-major layout of the banked kernels. Sized at creation; audio thread only after.
/// </summary>
internal sealed unsafe class BankLaneRows
{
    private readonly float[] _rows;
    private readonly float* _base;
    private readonly int[] _offsets;
    private readonly int _maxFrames;

    public BankLaneRows(int rows, int maxFrames)
    {
        _maxFrames = maxFrames;
        _rows = GC.AllocateArray<float>(rows * maxFrames, pinned: true);
        fixed (float* start = _rows)
        {
            // Pinned for the array's lifetime: the pointer stays valid after the fixed block.
            _base = start;
        }

        _offsets = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            _offsets[r] = r * maxFrames;
        }
    }

    /// <summary>Row <paramref name="row"/>'s first <paramref name="frames"/> samples.</summary>
    public Span<float> Row(int row, int frames) => _rows.AsSpan(row * _maxFrames, frames);

    /// <summary>Runs a source node (no inputs, one mono output) into row <paramref name="row"/>. Audio thread only.</summary>
    public void RunSource(AudioNode node, int row, ReadOnlySpan<float> parameters, int frames, long sampleTime)
    {
        var context = new ProcessContext(_base, default, new ReadOnlySpan<int>(_offsets, row, 1), parameters, frames, sampleTime);
        node.Process(in context);
    }

    /// <summary>Writes row r of rows <paramref name="first"/>.. into column r - first of the frame-major <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Transpose(int first, int count, int frames, int width, Span<float> destination)
    {
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<float> row = _rows.AsSpan((first + r) * _maxFrames, frames);
            for (int f = 0; f < frames; f++)
            {
                destination[(f * width) + r] = row[f];
            }
        }
    }

    /// <summary>The parameter count of a node type a bank runs through its node (the span handed to its Process).</summary>
    public static int ParameterCount(AudioNode node) => node switch
    {
        SawNode or SquareNode => 3,
        TriangleNode or SineNode => 2,
        AdsrNode => 6,
        WhiteNoiseNode or PinkNoiseNode => 1,
        SamplerNode => 4,
        _ => throw new ArgumentException($"A bank does not run {node.GetType().Name} through its node.", nameof(node)),
    };
}
