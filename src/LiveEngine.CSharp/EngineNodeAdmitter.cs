using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// The engine process's side of C# user nodes: a front end compiles a node class and ships the assembly bytes; this
/// runs its own admission on them (allocation, cost, finite output: <see cref="NodeAdmission"/>) and registers the
/// types in the engine's registry, so that graphs committed there may use them. A redefined type replaces the old
/// one; a generation none of whose types remain is unloaded.
/// </summary>
public sealed class EngineNodeAdmitter
{
    private readonly object _gate = new();
    private readonly NodeTypeRegistry _registry;
    private readonly AdmissionOptions _options;
    private readonly Dictionary<string, NodeGeneration> _owners = new(StringComparer.Ordinal);
    private readonly List<NodeGeneration> _generations = [];

    public EngineNodeAdmitter(NodeTypeRegistry registry, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _options = options;
    }

    /// <summary>Generations still loaded.</summary>
    public int LoadedGenerations
    {
        get
        {
            lock (_gate)
            {
                return _generations.Count;
            }
        }
    }

    /// <summary>Admits and registers the node classes of <paramref name="image"/>; returns their type names. Throws <see cref="ArgumentException"/> with every rejection (nothing is registered then).</summary>
    public IReadOnlyList<string> Admit(byte[] image, byte[]? pdb)
    {
        ArgumentNullException.ThrowIfNull(image);
        lock (_gate)
        {
            AdmissionResult result;
            try
            {
                result = NodeAdmission.Admit(image, pdb, _options);
            }
            catch (BadImageFormatException e)
            {
                throw new ArgumentException($"Not a node assembly: {e.Message}");
            }

            if (result.Generation is not { } generation)
            {
                throw new ArgumentException(result.Rejections.Count == 0 ? "No node class in the assembly." : string.Join("; ", result.Rejections));
            }

            string? builtin = generation.Types.Select(t => t.Name).FirstOrDefault(name => _registry.TryGet(name, out _) && !_owners.ContainsKey(name));
            if (builtin is not null)
            {
                generation.Unload();
                throw new ArgumentException($"node '{builtin}' is a built-in type; give the class another name");
            }

            foreach (NodeTypeDescriptor type in generation.Types)
            {
                _registry.Register(type);
                _owners[type.Name] = generation;
            }

            _generations.Add(generation);
            foreach (NodeGeneration old in _generations.Where(g => !_owners.ContainsValue(g)).ToList())
            {
                _generations.Remove(old);
                old.Unload();
            }

            return [.. generation.Types.Select(t => t.Name)];
        }
    }
}
