using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Kernels;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// The sources of a voice bank, rendered frame-major with the bits each node gives on its own. Oscillator lanes
/// (sine, saw, square, triangle, mixed freely) whose frequency and level hold for the block run across lanes: phase
/// and naive waveform in <see cref="BankOscillatorKernels"/>, then per lane the band-limited residual of each
/// crossing, in time order, added where the node adds it. A lane that glides, has not started, changes its pulse
/// width, or is not an oscillator (noise, sampler) renders through its node. The state stays in the nodes (a commit
/// adopts it by node id). Sized at creation; audio thread only after.
/// </summary>
internal sealed class BankOscillators
{
    private const int History = BlepTable.HalfTaps;
    private const uint NoShape = 0;
    private const uint SquareShape = 4;

    private readonly AudioNode[] _nodes;
    private readonly float[] _parameterValues;
    private readonly int[] _parameterStarts;
    private readonly int[] _parameterCounts;
    private readonly int _width;
    private readonly uint[] _shapes;
    private readonly uint _sharedShape;
    private readonly bool _anyOscillator;

    // Scratch, audio thread only.
    private readonly BankLaneRows _rows;
    private readonly uint[] _phases;
    private readonly uint[] _phaseStarts;
    private readonly uint[] _increments;
    private readonly uint[] _arguments;
    private readonly float[] _levels;
    private readonly bool[] _fast;
    private readonly int[] _residualEnds;
    private readonly float[] _naive;

    /// <param name="nodes">The lanes' sources (no inputs, one mono output).</param>
    /// <param name="parameterValues">The bank's parameter block.</param>
    /// <param name="parameterStarts">Per lane, where its source's parameters start in <paramref name="parameterValues"/>.</param>
    /// <param name="width">Lanes including the padding, a multiple of 16 (padding lanes render 0).</param>
    /// <param name="maxFrames">The largest block.</param>
    public BankOscillators(AudioNode[] nodes, float[] parameterValues, int[] parameterStarts, int width, int maxFrames)
    {
        _nodes = nodes;
        _parameterValues = parameterValues;
        _parameterStarts = parameterStarts;
        _parameterCounts = [.. nodes.Select(BankLaneRows.ParameterCount)];
        _width = width;
        _shapes = new uint[width];
        for (int lane = 0; lane < nodes.Length; lane++)
        {
            _shapes[lane] = nodes[lane] switch
            {
                SawNode => LaneShaper.Saw,
                TriangleNode => LaneShaper.Triangle,
                SineNode => LaneShaper.Sine,
                SquareNode => SquareShape,
                _ => NoShape,
            };
        }

        _anyOscillator = _shapes.Any(shape => shape != NoShape);
        _sharedShape = _shapes.AsSpan(0, nodes.Length).IndexOfAnyExcept(_shapes[0]) < 0 ? _shapes[0] : NoShape;
        _rows = new BankLaneRows(nodes.Length, maxFrames);
        _phases = new uint[width];
        _phaseStarts = new uint[width];
        _increments = new uint[width];
        _arguments = new uint[width];
        _levels = new float[width];
        _fast = new bool[nodes.Length];
        _residualEnds = new int[nodes.Length];
        _naive = new float[(History + maxFrames) * width];
        for (int lane = 0; lane < width; lane++)
        {
            // A saw at half a period is 0: what the padding lanes (and the lanes that render through their node,
            // until overwritten) compute.
            _arguments[lane] = LaneShaper.Saw;
            _phases[lane] = 0x80000000u;
        }
    }

    /// <summary>How many lanes the last block rendered across lanes (the rest went through their nodes).</summary>
    public int FastLanes { get; private set; }

    /// <summary>Writes every lane's source into <paramref name="output"/>[f · width + lane]. Audio thread only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Render(int frames, long sampleTime, Span<float> output)
    {
        int width = _width;
        int lanes = _nodes.Length;
        FastLanes = 0;
        if (!_anyOscillator)
        {
            RenderThroughNodes(frames, sampleTime, output, all: true);
            return;
        }

        bool anySlow = false;
        bool anyLevel = false;
        bool anyBandLimited = false;
        for (int lane = 0; lane < lanes; lane++)
        {
            bool fast = false;
            if (_nodes[lane] is OscillatorNode oscillator)
            {
                ReadOnlySpan<float> parameters = Parameters(lane);
                fast = oscillator.TryBeginBankBlock(parameters, out uint phase, out uint increment, out float level);
                uint argument = _shapes[lane];
                if (oscillator is SquareNode square)
                {
                    fast &= square.KeepsThreshold(parameters, out argument);
                }

                if (oscillator is BandLimitedOscillatorNode bandLimited)
                {
                    fast &= !bandLimited.StartPending;
                    if (fast)
                    {
                        anyBandLimited = true;
                        _residualEnds[lane] = bandLimited.ResidualLive;
                        Span<float> history = bandLimited.NaiveHistory;
                        ref float column = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_naive), lane);
                        for (int t = 0; t < History; t++)
                        {
                            Unsafe.Add(ref column, t * width) = history[t];
                        }
                    }
                }

                if (fast)
                {
                    _phases[lane] = phase;
                    _phaseStarts[lane] = phase;
                    _increments[lane] = increment;
                    _arguments[lane] = argument;
                    _levels[lane] = level;
                    anyLevel |= level != 1f;
                }
            }

            _fast[lane] = fast;
            FastLanes += fast ? 1 : 0;
            if (!fast)
            {
                anySlow = true;
                _increments[lane] = 0;
                _levels[lane] = 1f;
            }
        }

        Span<float> naive = _naive.AsSpan(History * width, frames * width);
        int bits = VoiceBankKernels.BestVectorBits;
        switch (_sharedShape)
        {
            case LaneShaper.Saw:
                BankOscillatorKernels.Advance<SawShaper>(_phases, _increments, _arguments, naive, frames, width, bits);
                break;
            case LaneShaper.Triangle:
                BankOscillatorKernels.Advance<TriangleShaper>(_phases, _increments, _arguments, naive, frames, width, bits);
                break;
            case LaneShaper.Sine:
                BankOscillatorKernels.Advance<SineShaper>(_phases, _increments, _arguments, naive, frames, width, bits);
                break;
            case SquareShape:
                BankOscillatorKernels.Advance<SquareShaper>(_phases, _increments, _arguments, naive, frames, width, bits);
                break;
            default:
                BankOscillatorKernels.Advance<LaneShaper>(_phases, _increments, _arguments, naive, frames, width, bits);
                break;
        }

        // A band-limited lane's output frame f is naive row f (its history first, then this block), plus its
        // residual; a sine's is this block's row f.
        Span<float> rows = output[..(frames * width)];
        _naive.AsSpan(anyBandLimited ? 0 : History * width, frames * width).CopyTo(rows);
        for (int lane = 0; lane < lanes; lane++)
        {
            if (!_fast[lane])
            {
                continue;
            }

            if (_nodes[lane] is BandLimitedOscillatorNode bandLimited)
            {
                FinishBandLimited(bandLimited, lane, frames, rows);
            }
            else
            {
                if (anyBandLimited)
                {
                    for (int f = 0; f < frames; f++)
                    {
                        rows[(f * width) + lane] = _naive[((History + f) * width) + lane];
                    }
                }

                ((OscillatorNode)_nodes[lane]).EndBankBlock(_phases[lane]);
            }
        }

        if (anyLevel)
        {
            // The oscillator's own level, after the residual as in the node (× 1 changes no bit).
            for (int f = 0; f < frames; f++)
            {
                Span<float> row = rows.Slice(f * width, width);
                VectorKernels.Binary<MultiplyOperator>(row, _levels, row);
            }
        }

        if (anySlow)
        {
            RenderThroughNodes(frames, sampleTime, output, all: false);
        }

        if (lanes < width)
        {
            for (int f = 0; f < frames; f++)
            {
                rows.Slice((f * width) + lanes, width - lanes).Clear();
            }
        }
    }

    /// <summary>
    /// Adds the residual of every crossing in the block to the lane's own residual (in time order, as the node's
    /// AddSteps and AddCorners do), adds the residual to the lane's output, and hands the node its new state.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FinishBandLimited(BandLimitedOscillatorNode node, int lane, int frames, Span<float> rows)
    {
        int width = _width;
        uint start = _phaseStarts[lane];
        uint increment = _increments[lane];
        (uint thresholdA, float heightA, uint thresholdB, float heightB, bool ramp) = node switch
        {
            SawNode => (0u, -2f, 0u, 0f, false),
            SquareNode => (0u, 2f, _arguments[lane], -2f, false),
            _ => (0u, -8f, 0x80000000u, 8f, true),
        };
        Span<float> residual = node.Residual(frames);
        int carried = _residualEnds[lane];
        int end = carried;
        int frameA = Crossing(start, thresholdA, increment, 1, frames);
        int frameB = heightB != 0f ? Crossing(start, thresholdB, increment, 1, frames) : int.MaxValue;
        int firstCrossing = Math.Min(frameA, frameB);
        int crossingA = 1;
        int crossingB = 1;
        while (frameA < frames || frameB < frames)
        {
            bool a = frameA <= frameB;
            int f = a ? frameA : frameB;
            uint since = start + ((uint)(f + 1) * increment) - (a ? thresholdA : thresholdB);
            double fraction = (double)since / increment;
            float height = a ? heightA : heightB;
            if (ramp)
            {
                double periodsPerFrame = increment / 4294967296.0;
                BlepTable.AddRamp(residual, f, fraction, (float)(height * periodsPerFrame));
            }
            else
            {
                BlepTable.AddStep(residual, f, fraction, height);
            }

            end = Math.Max(end, f + BlepTable.Taps);
            if (a)
            {
                frameA = Crossing(start, thresholdA, increment, ++crossingA, frames);
            }
            else
            {
                frameB = Crossing(start, thresholdB, increment, ++crossingB, frames);
            }
        }

        // Only where the residual may be non-zero: the corrections carried in, then from the block's first crossing
        // on (x + 0 is x: a naive waveform is never -0). Strided, so by reference: the spans' lengths bound it.
        ref float column = ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), lane);
        ref float residualRef = ref MemoryMarshal.GetReference(residual);
        int carriedEnd = Math.Min(frames, carried);
        for (int f = 0; f < carriedEnd; f++)
        {
            Unsafe.Add(ref column, f * width) += Unsafe.Add(ref residualRef, f);
        }

        int liveEnd = Math.Min(frames, end);
        for (int f = Math.Max(carriedEnd, firstCrossing); f < liveEnd; f++)
        {
            Unsafe.Add(ref column, f * width) += Unsafe.Add(ref residualRef, f);
        }

        // The naive frames after the block's last output frame are the node's history for the next block.
        Span<float> history = node.NaiveHistory;
        ref float tail = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_naive), (frames * width) + lane);
        for (int t = 0; t < History; t++)
        {
            history[t] = Unsafe.Add(ref tail, t * width);
        }

        node.EndBankBlock(frames, _phases[lane], end);
    }

    /// <summary>
    /// <see cref="BankOscillatorKernels.CrossingFrame"/>, or <see cref="int.MaxValue"/> without its 64-bit division
    /// where the phase does not reach that crossing within <paramref name="frames"/> (most blocks, most lanes).
    /// </summary>
    private static int Crossing(uint start, uint threshold, uint increment, int crossing, int frames)
    {
        ulong distance = ((ulong)(uint)crossing << 32) - (start - threshold);
        return (ulong)(uint)frames * increment < distance ? int.MaxValue : BankOscillatorKernels.CrossingFrame(start, threshold, increment, crossing);
    }

    /// <summary>Runs the lanes that did not take the fast path (or all of them) through their nodes.</summary>
    private void RenderThroughNodes(int frames, long sampleTime, Span<float> output, bool all)
    {
        int width = _width;
        for (int lane = 0; lane < _nodes.Length; lane++)
        {
            if (!all && _fast[lane])
            {
                continue;
            }

            _rows.RunSource(_nodes[lane], lane, Parameters(lane), frames, sampleTime);
            ReadOnlySpan<float> row = _rows.Row(lane, frames);
            for (int f = 0; f < frames; f++)
            {
                output[(f * width) + lane] = row[f];
            }
        }
    }

    private ReadOnlySpan<float> Parameters(int lane) => new(_parameterValues, _parameterStarts[lane], _parameterCounts[lane]);
}
