using System.Numerics;

namespace LiveEngine.Nodes;

/// <summary>
/// A delay of at least one block that may close a cycle. Positions come from the stream position, not from
/// a counter, so the read job and the write job of one block may run in either order or at once.
/// </summary>
public sealed class FeedbackNode : FeedbackBoundaryNode
{
    private float[][] _rings = [];
    private int _mask;

    /// <summary>The delay in frames after rounding up to the maximum block size.</summary>
    public int DelayFrames { get; private set; }

    public override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        double delayMs = context.Parameters.Span[0];
        DelayFrames = Math.Max((int)Math.Round(delayMs * context.SampleRate / 1000.0), context.MaxBlockFrames);
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)(DelayFrames + context.MaxBlockFrames));
        _mask = capacity - 1;
        _rings = new float[context.Channels][];
        for (int c = 0; c < _rings.Length; c++)
        {
            _rings[c] = new float[capacity];
        }

        if (previous is FeedbackNode old && old._rings.Length == _rings.Length && old._mask == _mask)
        {
            for (int c = 0; c < _rings.Length; c++)
            {
                old._rings[c].AsSpan().CopyTo(_rings[c]);
            }
        }
    }

    public override void Process(in ProcessContext context)
    {
        long start = context.SampleTime - DelayFrames;
        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            Span<float> output = context.Output(c);
            float[] ring = _rings[c];
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = ring[(int)((start + i) & _mask)];
            }
        }
    }

    public override void ProcessWrite(in ProcessContext context)
    {
        long start = context.SampleTime;
        for (int c = 0; c < context.InputChannelCount; c++)
        {
            ReadOnlySpan<float> input = context.Input(c);
            float[] ring = _rings[c];
            for (int i = 0; i < input.Length; i++)
            {
                ring[(int)((start + i) & _mask)] = input[i];
            }
        }
    }

    public override void Reset()
    {
        foreach (float[] ring in _rings)
        {
            Array.Clear(ring);
        }
    }
}
