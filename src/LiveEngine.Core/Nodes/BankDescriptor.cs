namespace LiveEngine.Nodes;

/// <summary>
/// A voice bank the graph compiler may form: a chain of node types (<see cref="Chain"/>, source first), optionally
/// with side sources feeding its stages (<see cref="Sides"/>), that, when several copies of it feed the same input,
/// runs as one job whose lanes are the copies, and whose output is the sum of the copies' outputs (in a fixed lane
/// order).
/// </summary>
/// <remarks>
/// Stages are matched by descriptor identity, not name, so a redefined type ("saw" replaced by a user node) is
/// never banked by the built-in kernel. The bank borrows the prepared node instances of its lanes (see
/// <see cref="BankLanes"/>): state stays in the nodes, so banks can re-form at any commit without a click.
/// A lane's nodes are listed sides first (in <see cref="Sides"/> order), then the chain's nodes source first, so the
/// last node of a lane is the one that feeds the consumer.
/// </remarks>
public sealed class BankDescriptor
{
    /// <summary>A plain chain: one node of each type, each feeding the next on port 0.</summary>
    public BankDescriptor(string name, IReadOnlyList<NodeTypeDescriptor> stages, int outputChannels, Func<BankLanes, BankProcessor> create)
        : this(name, ToChain(stages), [], outputChannels, create)
    {
    }

    public BankDescriptor(string name, IReadOnlyList<BankStage> chain, IReadOnlyList<BankSide> sides, int outputChannels, Func<BankLanes, BankProcessor> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(sides);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentOutOfRangeException.ThrowIfLessThan(chain.Count, 1);
        foreach (BankStage stage in chain)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(stage.MaxRepeat, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(stage.Types.Count, 1);
        }

        foreach (BankSide side in sides)
        {
            if (side.IntoStage < 1 || side.IntoStage >= chain.Count || chain[side.IntoStage].MaxRepeat != 1 || side.IntoPort < 1)
            {
                throw new ArgumentException($"Bank '{name}': a side feeds a single chain stage after the source, on a port other than 0.", nameof(sides));
            }
        }

        Name = name;
        Chain = chain;
        Sides = sides;
        OutputChannels = outputChannels;
        Create = create;
        Stages = [.. sides.Select(s => s.Types[0]), .. chain.Select(s => s.Types[0])];
    }

    /// <summary>Shown in <c>:graph</c> and <c>bench</c>, e.g. "saw>rlpf>gain>pan".</summary>
    public string Name { get; }

    /// <summary>The chain's stages, source first; each stage's output port 0 feeds the next stage's input port 0.</summary>
    public IReadOnlyList<BankStage> Chain { get; }

    /// <summary>Sources that feed chain stages on their other ports.</summary>
    public IReadOnlyList<BankSide> Sides { get; }

    /// <summary>One representative type per side and chain stage, in a lane's order (for cost estimates).</summary>
    public IReadOnlyList<NodeTypeDescriptor> Stages { get; }

    /// <summary>Channels of the last stage's output: the bank job's output, the sum over its lanes.</summary>
    public int OutputChannels { get; }

    /// <summary>Creates the bank for the given lanes. Control thread only; may allocate.</summary>
    public Func<BankLanes, BankProcessor> Create { get; }

    private static BankStage[] ToChain(IReadOnlyList<NodeTypeDescriptor> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        return [.. stages.Select(type => new BankStage([type]))];
    }
}
