using System.Diagnostics.CodeAnalysis;

namespace LiveEngine.Nodes;

/// <summary>The node types a graph may use, by name. Control thread only; not thread-safe.</summary>
public sealed class NodeTypeRegistry
{
    private readonly Dictionary<string, NodeTypeDescriptor> _types = new(StringComparer.Ordinal);
    private readonly List<BankDescriptor> _banks = [];

    /// <summary>A registry holding the structural types every graph can use ("out", "feedback").</summary>
    public NodeTypeRegistry()
    {
        CoreNodeTypes.Register(this);
    }

    public IEnumerable<NodeTypeDescriptor> Types => _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Adds a type, or replaces the one of the same name (a redefinition).</summary>
    public void Register(NodeTypeDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _types[descriptor.Name] = descriptor;
        Version++;
    }

    /// <summary>Counts the registrations: what was resolved against the same version resolves the same again.</summary>
    public long Version { get; private set; }

    /// <summary>The voice banks the graph compiler may form, in registration order (the first that matches a chain wins).</summary>
    public IReadOnlyList<BankDescriptor> Banks => _banks;

    /// <summary>Adds a voice bank kind (see <see cref="BankDescriptor"/>).</summary>
    public void RegisterBank(BankDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _banks.Add(descriptor);
        Version++;
    }

    public bool TryGet(string name, [NotNullWhen(true)] out NodeTypeDescriptor? descriptor) => _types.TryGetValue(name, out descriptor);
}
