using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The adsr envelopes of a voice bank, rendered across lanes (<see cref="AdsrBankKernels"/>) into a frame-major block,
/// with the bits each <see cref="AdsrNode"/> gives on its own: each lane's gate and settings are read as the node
/// reads them, the block is cut into runs in which no lane ends a segment, and between runs the lanes whose segment
/// ended move on through their own <see cref="AdsrEnvelope"/>. The state stays in the nodes (a commit adopts it by
/// node id); the lanes are loaded from them at each block. Sized at creation; audio thread only after.
/// </summary>
internal sealed class BankEnvelopes
{
    private const int ParameterCount = 6;

    private readonly AdsrNode[] _nodes;
    private readonly float[] _parameterValues;
    private readonly int[] _parameterStarts;
    private readonly int _width;
    private readonly AdsrBankLanes _lanes;
    private readonly int[] _left;
    private readonly float[] _levels;

    /// <param name="nodes">The lanes' envelopes.</param>
    /// <param name="parameterValues">The bank's parameter block.</param>
    /// <param name="parameterStarts">Per lane, where its envelope's 6 parameters start in <paramref name="parameterValues"/>.</param>
    /// <param name="width">Lanes including the padding, a multiple of 16 (padding lanes render 0).</param>
    public BankEnvelopes(AdsrNode[] nodes, float[] parameterValues, int[] parameterStarts, int width)
    {
        _nodes = nodes;
        _parameterValues = parameterValues;
        _parameterStarts = parameterStarts;
        _width = width;
        _lanes = new AdsrBankLanes(width);
        _left = new int[nodes.Length];
        _levels = new float[width];
        Array.Fill(_levels, 1f);
    }

    /// <summary>Writes every lane's envelope, times its level, into <paramref name="output"/>[f · width + lane]. Audio thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Render(int frames, Span<float> output)
    {
        int width = _width;
        int lanes = _nodes.Length;
        for (int lane = 0; lane < lanes; lane++)
        {
            AdsrNode node = _nodes[lane];
            node.BeginBankBlock(new ReadOnlySpan<float>(_parameterValues, _parameterStarts[lane], ParameterCount));
            _left[lane] = node.BankEnvelope.StoreLane(_lanes, lane);
        }

        int bits = VoiceBankKernels.BestVectorBits;
        int done = 0;
        while (done < frames)
        {
            int run = frames - done;
            for (int lane = 0; lane < lanes; lane++)
            {
                run = Math.Min(run, _left[lane]);
            }

            AdsrBankKernels.Render(_lanes, run, output[(done * width)..], bits);
            done += run;
            for (int lane = 0; lane < lanes; lane++)
            {
                if (_left[lane] == int.MaxValue)
                {
                    continue;
                }

                ref AdsrEnvelope envelope = ref _nodes[lane].BankEnvelope;
                _left[lane] -= run;
                envelope.AdvanceLane(_lanes, lane, run);
                if (_left[lane] == 0)
                {
                    _left[lane] = envelope.StoreLane(_lanes, lane);
                }
            }
        }

        ApplyLevels(frames, output);
    }

    /// <summary>Each lane's level, as <see cref="ParameterSmoother.ApplyGain"/> applies it to the node's output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ApplyLevels(int frames, Span<float> output)
    {
        int width = _width;
        bool anyFixed = false;
        for (int lane = 0; lane < _nodes.Length; lane++)
        {
            ref ParameterSmoother level = ref _nodes[lane].BankLevel;
            if (!level.IsSmoothing)
            {
                _levels[lane] = level.Target;
                anyFixed |= level.Target != 1f;
                continue;
            }

            _levels[lane] = 1f;
            for (int f = 0; f < frames; f++)
            {
                output[(f * width) + lane] *= level.Next();
            }
        }

        if (!anyFixed)
        {
            return;
        }

        // × 1 changes no bit: the lanes at level 1 and the gliding ones (done above) ride along.
        for (int f = 0; f < frames; f++)
        {
            Span<float> row = output.Slice(f * width, width);
            VectorKernels.Binary<MultiplyOperator>(row, _levels, row);
        }
    }
}
