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
        RegisterBanks(registry);
    }

    /// <summary>The voice banks the compiler forms from the built-in types (see <see cref="BankDescriptor"/>).</summary>
    private static void RegisterBanks(NodeTypeRegistry registry)
    {
        if (registry.TryGet("saw", out NodeTypeDescriptor? saw)
            && registry.TryGet("rlpf", out NodeTypeDescriptor? rlpf)
            && registry.TryGet("gain", out NodeTypeDescriptor? gain)
            && registry.TryGet("pan", out NodeTypeDescriptor? pan))
        {
            registry.RegisterBank(new BankDescriptor(Nodes.SawFilterVoiceBank.KindName, [saw, rlpf, gain, pan], 2, static lanes => new Nodes.SawFilterVoiceBank(lanes)));
        }
    }

    static partial void RegisterSources(NodeTypeRegistry registry);

    static partial void RegisterProcessors(NodeTypeRegistry registry);
}
