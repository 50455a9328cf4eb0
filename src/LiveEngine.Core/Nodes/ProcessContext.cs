using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiveEngine.Nodes;

/// <summary>
/// One block's view of a node's world: its input and output channel buffers (flattened across ports in
/// the descriptor's order), its parameter values and the block's position in the stream. Built by the
/// executor on the stack; nothing in it allocates.
/// </summary>
public readonly unsafe ref struct ProcessContext
{
    private readonly float* _arena;
    private readonly ReadOnlySpan<int> _inputOffsets;
    private readonly ReadOnlySpan<int> _outputOffsets;

    /// <param name="arena">Base of the sample memory that the offsets index, 64-byte aligned.</param>
    /// <param name="inputOffsets">Offset in floats of each input channel's buffer.</param>
    /// <param name="outputOffsets">Offset in floats of each output channel's buffer.</param>
    /// <param name="parameters">Current parameter values, in the descriptor's order.</param>
    /// <param name="frames">Frames in this block, at least 1.</param>
    /// <param name="sampleTime">Stream position of the block's first frame.</param>
    public ProcessContext(float* arena, ReadOnlySpan<int> inputOffsets, ReadOnlySpan<int> outputOffsets, ReadOnlySpan<float> parameters, int frames, long sampleTime)
    {
        Debug.Assert(frames > 0, "A block has at least one frame.");
        _arena = arena;
        _inputOffsets = inputOffsets;
        _outputOffsets = outputOffsets;
        Parameters = parameters;
        Frames = frames;
        SampleTime = sampleTime;
    }

    /// <summary>Frames in this block.</summary>
    public int Frames { get; }

    /// <summary>Stream position, in frames since the start of rendering, of this block's first frame.</summary>
    public long SampleTime { get; }

    /// <summary>Parameter values in the order of the node type's descriptor.</summary>
    public ReadOnlySpan<float> Parameters { get; }

    /// <summary>Number of input channels over all input ports.</summary>
    public int InputChannelCount => _inputOffsets.Length;

    /// <summary>Number of output channels over all output ports.</summary>
    public int OutputChannelCount => _outputOffsets.Length;

    /// <summary>Input channel <paramref name="channel"/>: silence when nothing is connected.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> Input(int channel) => new(_arena + _inputOffsets[channel], Frames);

    /// <summary>Output channel <paramref name="channel"/>. Its content on entry is undefined: write every frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> Output(int channel) => new(_arena + _outputOffsets[channel], Frames);
}
