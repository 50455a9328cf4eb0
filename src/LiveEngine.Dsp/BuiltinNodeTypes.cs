using LiveEngine.Nodes;

namespace LiveEngine.Dsp;

/// <summary>The DSP node set v1, registered by name. Each family registers itself in its own partial file.</summary>
public static partial class BuiltinNodeTypes
{
    /// <summary>A registry with the structural types and every built-in DSP node type.</summary>
    public static NodeTypeRegistry CreateRegistry()
    {
        var registry = new NodeTypeRegistry();
        Register(registry);
        return registry;
    }

    public static void Register(NodeTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RegisterSources(registry);
        RegisterProcessors(registry);
    }

    static partial void RegisterSources(NodeTypeRegistry registry);

    static partial void RegisterProcessors(NodeTypeRegistry registry);
}
