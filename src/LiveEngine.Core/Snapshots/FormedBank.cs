using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// A voice bank's processor with what it was formed from (kind, lane node instances, stream format) and the
/// parameter values it reads, a copy of its lanes' values that each snapshot running it refreshes before every block
/// (see <see cref="SnapshotBankProcessor"/>). Snapshots of a live session, which render one at a time, share one when
/// they plan the same bank over the same node instances, so a commit forms only the banks whose lanes changed.
/// </summary>
internal sealed class FormedBank
{
    public FormedBank(BankDescriptor descriptor, AudioNode[][] nodes, int[][] parameterCounts, int sampleRate, int maxBlockFrames)
    {
        Descriptor = descriptor;
        Nodes = nodes;
        SampleRate = sampleRate;
        MaxBlockFrames = maxBlockFrames;

        // The lanes' values laid out lane by lane, stage by stage: fixed for these lanes whatever the snapshot.
        int[][] starts = new int[nodes.Length][];
        int total = 0;
        for (int lane = 0; lane < nodes.Length; lane++)
        {
            starts[lane] = new int[nodes[lane].Length];
            for (int stage = 0; stage < nodes[lane].Length; stage++)
            {
                starts[lane][stage] = total;
                total += parameterCounts[lane][stage];
            }
        }

        ParameterStarts = starts;
        ParameterValues = new float[total];
        Processor = descriptor.Create(new BankLanes(nodes, starts, ParameterValues, sampleRate, maxBlockFrames));
    }

    public BankDescriptor Descriptor { get; }

    /// <summary>Nodes[lane][stage]: the instances the processor borrows.</summary>
    public AudioNode[][] Nodes { get; }

    public int SampleRate { get; }

    public int MaxBlockFrames { get; }

    public BankProcessor Processor { get; }

    /// <summary>Where each lane's stage's values start in <see cref="ParameterValues"/>.</summary>
    public int[][] ParameterStarts { get; }

    /// <summary>The values the processor reads. Audio side writes (before each block), processor reads.</summary>
    public float[] ParameterValues { get; }

    /// <summary>Whether this bank renders exactly the given lanes: the same kind, instances in the same order, and format.</summary>
    public bool Fits(BankDescriptor descriptor, int[][] lanes, AudioNode[] instances, int sampleRate, int maxBlockFrames)
    {
        if (!ReferenceEquals(descriptor, Descriptor) || sampleRate != SampleRate || maxBlockFrames != MaxBlockFrames || lanes.Length != Nodes.Length)
        {
            return false;
        }

        for (int lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane].Length != Nodes[lane].Length)
            {
                return false;
            }

            for (int stage = 0; stage < lanes[lane].Length; stage++)
            {
                if (!ReferenceEquals(instances[lanes[lane][stage]], Nodes[lane][stage]))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
