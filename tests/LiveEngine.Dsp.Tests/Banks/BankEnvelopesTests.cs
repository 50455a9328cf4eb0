using LiveEngine.Dsp.Nodes;
using LiveEngine.Nodes;

namespace LiveEngine.Dsp.Tests.Banks;

public sealed class BankEnvelopesTests
{
    private const int SampleRate = 48_000;
    private const int MaxFrames = 128;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 16)]
    [InlineData(3, 37)]
    [InlineData(4, 64)]
    public void BankedEnvelopes_GiveEachNodesOwnBits_ThroughGatesSegmentsAndLevelGlides(int seed, int lanes)
    {
        // Short segments, so that runs end mid-block in many lanes at different frames; block sizes from 1 frame up.
        var random = new Random(seed);
        var pair = new EnvelopePair(lanes, random);
        for (int block = 0; block < 1_500; block++)
        {
            pair.Change(random, probability: 0.05);
            int frames = 1 + random.Next(MaxFrames);
            pair.Render(frames);
            for (int lane = 0; lane < lanes; lane++)
            {
                ReadOnlySpan<float> expected = pair.NodeRow(lane, frames);
                for (int f = 0; f < frames; f++)
                {
                    float actual = pair.Banked[(f * pair.Width) + lane];
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[f]) == BitConverter.SingleToInt32Bits(actual),
                        $"seed {seed} block {block} lane {lane} frame {f}: node {expected[f]}, bank {actual}");
                }
            }

            for (int lane = lanes; lane < pair.Width; lane++)
            {
                Assert.Equal(0f, pair.Banked[lane]);
            }
        }
    }

    [Fact]
    public void BankedEnvelopes_AllocateNothingPerBlock()
    {
        var random = new Random(5);
        var pair = new EnvelopePair(64, random);
        for (int block = 0; block < 2_000; block++)
        {
            pair.Change(random, probability: 0.05);
            pair.RenderBankOnly(1 + (block % MaxFrames));
        }

        SteadyAllocation.AssertNone("5,000 blocks of banked envelopes with gates toggling", () =>
        {
            for (int block = 0; block < 5_000; block++)
            {
                pair.Toggle(block % 64, block % 3 == 0);
                pair.RenderBankOnly(1 + (block % MaxFrames));
            }
        });
    }

    /// <summary>The same envelopes twice: one set of nodes rendered by their own Process, one by a <see cref="BankEnvelopes"/>.</summary>
    private sealed class EnvelopePair
    {
        private readonly AdsrNode[] _nodes;
        private readonly AdsrNode[] _bankNodes;
        private readonly float[] _parameters;
        private readonly int[] _starts;
        private readonly BankLaneRows _rows;
        private readonly BankEnvelopes _bank;

        public EnvelopePair(int lanes, Random random)
        {
            Width = (lanes + 15) / 16 * 16;
            _nodes = new AdsrNode[lanes];
            _bankNodes = new AdsrNode[lanes];
            _parameters = new float[lanes * 6];
            _starts = new int[lanes];
            for (int lane = 0; lane < lanes; lane++)
            {
                _starts[lane] = lane * 6;
                Span<float> p = _parameters.AsSpan(lane * 6, 6);
                p[0] = random.Next(4) * 1.5f;
                p[1] = random.Next(6) * 0.7f;
                p[2] = random.NextSingle();
                p[3] = random.Next(5) * 0.9f;
                p[4] = random.Next(2);
                p[5] = random.Next(3) == 0 ? 1f : random.NextSingle();
                _nodes[lane] = Prepared(p);
                _bankNodes[lane] = Prepared(p);
            }

            _rows = new BankLaneRows(lanes, MaxFrames);
            Banked = new float[MaxFrames * Width];
            _bank = new BankEnvelopes(_bankNodes, _parameters, _starts, Width);
        }

        public int Width { get; }

        public float[] Banked { get; }

        public void Change(Random random, double probability)
        {
            for (int lane = 0; lane < _nodes.Length; lane++)
            {
                if (random.NextDouble() < probability)
                {
                    Span<float> p = _parameters.AsSpan(lane * 6, 6);
                    switch (random.Next(5))
                    {
                        case 0:
                            p[5] = random.NextSingle();
                            break;
                        case 1:
                            p[0] = random.Next(4) * 1.5f;
                            p[1] = random.Next(6) * 0.7f;
                            p[3] = random.Next(5) * 0.9f;
                            break;
                        case 2:
                            p[2] = random.NextSingle();
                            break;
                        default:
                            p[4] = 1 - p[4];
                            break;
                    }
                }
            }
        }

        public void Toggle(int lane, bool open) => _parameters[(lane * 6) + 4] = open ? 1 : 0;

        public void Render(int frames)
        {
            for (int lane = 0; lane < _nodes.Length; lane++)
            {
                _rows.RunSource(_nodes[lane], lane, _parameters.AsSpan(lane * 6, 6), frames, 0);
            }

            RenderBankOnly(frames);
        }

        public void RenderBankOnly(int frames) => _bank.Render(frames, Banked.AsSpan(0, frames * Width));

        public ReadOnlySpan<float> NodeRow(int lane, int frames) => _rows.Row(lane, frames);

        private static AdsrNode Prepared(ReadOnlySpan<float> parameters)
        {
            var node = new AdsrNode();
            node.Prepare(new PrepareContext(SampleRate, MaxFrames, 1, parameters.ToArray(), 0, new Dictionary<string, string>()), null);
            return node;
        }
    }
}
