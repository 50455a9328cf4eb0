using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Tests.Banks;

public sealed class BankOscillatorsTests
{
    private const int SampleRate = 48_000;
    private const int MaxFrames = 128;
    private const int Stride = 3;

    [Theory]
    [InlineData(1, 1, "saw")]
    [InlineData(2, 40, "saw")]
    [InlineData(3, 64, "square")]
    [InlineData(4, 33, "triangle")]
    [InlineData(5, 17, "sine")]
    [InlineData(6, 64, "mixed")]
    [InlineData(7, 50, "mixed")]
    public void BankedOscillators_GiveEachNodesOwnBits_ThroughGlidesWidthsAndStarts(int seed, int lanes, string types)
    {
        // Frequencies up to Nyquist (several crossings per block), glides, level and pulse-width changes, block sizes
        // from 1 frame up; "mixed" lanes mix the four oscillators and white noise (which always renders through its node).
        var random = new Random(seed);
        var pair = new SourcePair(lanes, types, random);
        int fastLanes = 0;
        for (int block = 0; block < 1_200; block++)
        {
            pair.Change(random, probability: 0.005);
            int frames = 1 + random.Next(MaxFrames);
            pair.Render(frames);
            fastLanes += pair.FastLanes;
            for (int lane = 0; lane < lanes; lane++)
            {
                ReadOnlySpan<float> expected = pair.NodeRow(lane, frames);
                for (int f = 0; f < frames; f++)
                {
                    float actual = pair.Banked[(f * pair.Width) + lane];
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[f]) == BitConverter.SingleToInt32Bits(actual),
                        $"{types} seed {seed} block {block} lane {lane} ({pair.TypeOf(lane)}) frame {f}: node {expected[f]}, bank {actual}");
                }
            }

            for (int lane = lanes; lane < pair.Width; lane++)
            {
                Assert.Equal(0f, pair.Banked[lane]);
            }
        }

        // Most lane-blocks take the path across lanes (the rest glide, about 57 ms after a change, start, or are noise).
        Assert.True(fastLanes > lanes * 1_200 / 2, $"{types}: only {fastLanes} of {lanes * 1_200} lane-blocks ran across lanes");
    }

    [Fact]
    public void BankedOscillators_AllocateNothingPerBlock()
    {
        var random = new Random(8);
        var pair = new SourcePair(64, "mixed", random);
        for (int block = 0; block < 2_000; block++)
        {
            pair.Change(random, probability: 0.03);
            pair.RenderBankOnly(1 + (block % MaxFrames));
        }

        SteadyAllocation.AssertNone("5,000 blocks of banked sources retuned", () =>
        {
            for (int block = 0; block < 5_000; block++)
            {
                pair.Retune(block % 64, 100 + (block % 7 * 50));
                pair.RenderBankOnly(1 + (block % MaxFrames));
            }
        });
    }

    /// <summary>The same sources twice: one set rendered by their own Process, one by a <see cref="BankOscillators"/>.</summary>
    private sealed class SourcePair
    {
        private static readonly string[] s_mixed = ["saw", "square", "triangle", "sine", "whitenoise"];

        private readonly AudioNode[] _nodes;
        private readonly AudioNode[] _bankNodes;
        private readonly string[] _types;
        private readonly float[] _parameters;
        private readonly BankLaneRows _rows;
        private readonly BankOscillators _bank;

        public SourcePair(int lanes, string types, Random random)
        {
            Width = (lanes + 15) / 16 * 16;
            _nodes = new AudioNode[lanes];
            _bankNodes = new AudioNode[lanes];
            _types = new string[lanes];
            _parameters = new float[lanes * Stride];
            int[] starts = new int[lanes];
            for (int lane = 0; lane < lanes; lane++)
            {
                starts[lane] = lane * Stride;
                _types[lane] = types == "mixed" ? s_mixed[random.Next(s_mixed.Length)] : types;
                Span<float> p = _parameters.AsSpan(lane * Stride, Stride);
                if (_types[lane] == "whitenoise")
                {
                    p[0] = 0.3f;
                }
                else
                {
                    p[0] = Frequency(random);
                    p[1] = random.Next(3) == 0 ? 1f : random.NextSingle();
                    p[2] = _types[lane] == "square" ? 0.1f + (0.8f * random.NextSingle()) : random.NextSingle();
                }

                _nodes[lane] = Prepared(_types[lane], _parameters.AsSpan(lane * Stride, Count(_types[lane])));
                _bankNodes[lane] = Prepared(_types[lane], _parameters.AsSpan(lane * Stride, Count(_types[lane])));
            }

            _rows = new BankLaneRows(lanes, MaxFrames);
            Banked = new float[MaxFrames * Width];
            _bank = new BankOscillators(_bankNodes, _parameters, starts, Width, MaxFrames);
        }

        public int Width { get; }

        public float[] Banked { get; }

        public int FastLanes => _bank.FastLanes;

        public string TypeOf(int lane) => _types[lane];

        public void Change(Random random, double probability)
        {
            for (int lane = 0; lane < _nodes.Length; lane++)
            {
                if (_types[lane] != "whitenoise" && random.NextDouble() < probability)
                {
                    Span<float> p = _parameters.AsSpan(lane * Stride, Stride);
                    int which = random.Next(3);
                    p[which] = which switch
                    {
                        0 => Frequency(random),
                        1 => random.NextSingle(),
                        _ => 0.05f + (0.9f * random.NextSingle()),
                    };
                }
            }
        }

        public void Retune(int lane, float frequency)
        {
            if (_types[lane] != "whitenoise")
            {
                _parameters[lane * Stride] = frequency;
            }
        }

        public void Render(int frames)
        {
            for (int lane = 0; lane < _nodes.Length; lane++)
            {
                _rows.RunSource(_nodes[lane], lane, _parameters.AsSpan(lane * Stride, Count(_types[lane])), frames, 0);
            }

            RenderBankOnly(frames);
        }

        public void RenderBankOnly(int frames) => _bank.Render(frames, 0, Banked.AsSpan(0, frames * Width));

        public ReadOnlySpan<float> NodeRow(int lane, int frames) => _rows.Row(lane, frames);

        private static float Frequency(Random random) => random.Next(4) switch
        {
            0 => 24_000f * random.NextSingle(),
            1 => 30f,
            _ => 40f + (2_000f * random.NextSingle()),
        };

        private static int Count(string type) => type switch
        {
            "saw" or "square" => 3,
            "whitenoise" => 1,
            _ => 2,
        };

        private static AudioNode Prepared(string type, ReadOnlySpan<float> parameters)
        {
            AudioNode node = type switch
            {
                "saw" => new SawNode(),
                "square" => new SquareNode(),
                "triangle" => new TriangleNode(),
                "sine" => new SineNode(),
                _ => new WhiteNoiseNode(),
            };
            node.Prepare(new PrepareContext(SampleRate, MaxFrames, 1, parameters.ToArray(), 0, new Dictionary<string, string>()), null);
            return node;
        }
    }
}
