namespace LiveEngine.Nodes;

/// <summary>
/// Everything the graph compiler knows about a node type: ports, parameters, a factory and a cost
/// estimate for critical-path ranks until measured costs replace it.
/// </summary>
public sealed class NodeTypeDescriptor
{
    public NodeTypeDescriptor(
        string name,
        string description,
        IReadOnlyList<PortDescriptor> inputs,
        IReadOnlyList<PortDescriptor> outputs,
        IReadOnlyList<ParameterDescriptor> parameters,
        Func<AudioNode> create,
        double costNsPerFrame = 1.0,
        NodeTypeFlags flags = NodeTypeFlags.None,
        int defaultChannels = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Description = description;
        Inputs = inputs;
        Outputs = outputs;
        Parameters = parameters;
        Create = create;
        CostNsPerFrame = costNsPerFrame;
        Flags = flags;
        DefaultChannels = defaultChannels;
        ThrowIfDuplicate(inputs.Select(p => p.Name), "input port");
        ThrowIfDuplicate(outputs.Select(p => p.Name), "output port");
        ThrowIfDuplicate(parameters.Select(p => p.Name), "parameter");
    }

    /// <summary>The name used in graph descriptions, for example "saw".</summary>
    public string Name { get; }

    public string Description { get; }

    public IReadOnlyList<PortDescriptor> Inputs { get; }

    public IReadOnlyList<PortDescriptor> Outputs { get; }

    public IReadOnlyList<ParameterDescriptor> Parameters { get; }

    /// <summary>Creates an unprepared instance. Control thread only.</summary>
    public Func<AudioNode> Create { get; }

    /// <summary>Estimated cost of one frame of one node, in nanoseconds, for ranks before measurement.</summary>
    public double CostNsPerFrame { get; }

    /// <summary>
    /// The cost of one frame of a node of these options and channels, in nanoseconds (the unit of
    /// <see cref="CostNsPerFrame"/>), where it depends on them (a convolution by its response's length); null: every
    /// node costs <see cref="CostNsPerFrame"/>. Control thread, at compilation; must not throw (unknown options: the
    /// plain estimate). Measured costs of the type are scaled by the ratio of a node's estimate to the plain one.
    /// </summary>
    public Func<IReadOnlyDictionary<string, string>, int, double>? CostModel { get; init; }

    /// <summary>The estimated cost of one frame of a node of <paramref name="options"/> and <paramref name="channels"/> channels (see <see cref="CostModel"/>).</summary>
    public double EstimateCostNsPerFrame(IReadOnlyDictionary<string, string> options, int channels) =>
        CostModel is { } model ? model(options, channels) : CostNsPerFrame;

    public NodeTypeFlags Flags { get; }

    /// <summary>Channel count of a node of this type whose description names none.</summary>
    public int DefaultChannels { get; }

    public int FindInput(string name) => IndexOf(Inputs, name);

    public int FindOutput(string name) => IndexOf(Outputs, name);

    public int FindParameter(string name)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOf(IReadOnlyList<PortDescriptor> ports, string name)
    {
        for (int i = 0; i < ports.Count; i++)
        {
            if (ports[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private void ThrowIfDuplicate(IEnumerable<string> names, string what)
    {
        string? duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"Node type '{Name}' declares {what} '{duplicate}' twice.");
        }
    }
}
