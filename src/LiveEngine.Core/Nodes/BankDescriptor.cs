namespace LiveEngine.Nodes;

/// <summary>
/// A voice bank the graph compiler may form: a chain of node types (<see cref="Stages"/>, source first) that,
/// when several copies of it feed the same input, runs as one job whose lanes are the copies, and whose output is
/// the sum of the copies' outputs (in a fixed lane order).
/// </summary>
/// <remarks>
/// Stages are matched by descriptor identity, not name, so a redefined type ("saw" replaced by a user node) is
/// never banked by the built-in kernel. The bank borrows the prepared node instances of its lanes (see
/// <see cref="BankLanes"/>): state stays in the nodes, so banks can re-form at any commit without a click.
/// </remarks>
public sealed class BankDescriptor
{
    public BankDescriptor(string name, IReadOnlyList<NodeTypeDescriptor> stages, int outputChannels, Func<BankLanes, BankProcessor> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages.Count, 1);
        Name = name;
        Stages = stages;
        OutputChannels = outputChannels;
        Create = create;
    }

    /// <summary>Shown in <c>:graph</c> and <c>bench</c>, e.g. "saw>rlpf>gain>pan".</summary>
    public string Name { get; }

    /// <summary>The chain's node types, source first; each stage's output port 0 feeds the next stage's input port 0.</summary>
    public IReadOnlyList<NodeTypeDescriptor> Stages { get; }

    /// <summary>Channels of the last stage's output: the bank job's output, the sum over its lanes.</summary>
    public int OutputChannels { get; }

    /// <summary>Creates the bank for the given lanes. Control thread only; may allocate.</summary>
    public Func<BankLanes, BankProcessor> Create { get; }
}
