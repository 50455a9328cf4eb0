using LiveEngine.Dsp.Kernels;
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
        registry.TryGet("rlpf", out NodeTypeDescriptor? rlpf);
        registry.TryGet("gain", out NodeTypeDescriptor? gain);
        registry.TryGet("pan", out NodeTypeDescriptor? pan);
        if (registry.TryGet("saw", out NodeTypeDescriptor? saw) && rlpf is not null && gain is not null && pan is not null)
        {
            registry.RegisterBank(new BankDescriptor(Nodes.SawFilterVoiceBank.KindName, [saw, rlpf, gain, pan], 2, static lanes => new Nodes.SawFilterVoiceBank(lanes)));
        }

        NodeTypeDescriptor[] oscillators = Found(registry, "sine", "saw", "square", "triangle");
        NodeTypeDescriptor[] biquads = Found(registry, "lpf", "hpf", "bpf", "notch", "peak", "lowshelf", "highshelf");
        if (oscillators.Length > 0 && biquads.Length > 0 && pan is not null)
        {
            registry.RegisterBank(new BankDescriptor(
                Nodes.BiquadChainVoiceBank.KindName,
                [new BankStage(oscillators), new BankStage(biquads, Nodes.BiquadChainVoiceBank.MaxBiquads), new BankStage([pan])],
                [],
                2,
                static lanes => new Nodes.BiquadChainVoiceBank(lanes)));
        }

        if (oscillators.Length > 0
            && rlpf is not null
            && gain is not null
            && registry.TryGet("vca", out NodeTypeDescriptor? vca)
            && registry.TryGet("adsr", out NodeTypeDescriptor? adsr))
        {
            BankSide envelope = new([adsr], IntoStage: 2, IntoPort: 1);
            BankStage[] voice = [new BankStage(oscillators), new BankStage([rlpf]), new BankStage([vca]), new BankStage([gain])];
            if (pan is not null)
            {
                registry.RegisterBank(new BankDescriptor(Nodes.SynthVoiceBank.PannedKindName, [.. voice, new BankStage([pan])], [envelope], 2, static lanes => new Nodes.SynthVoiceBank(lanes)));
            }

            registry.RegisterBank(new BankDescriptor(Nodes.SynthVoiceBank.KindName, voice, [envelope], 1, static lanes => new Nodes.SynthVoiceBank(lanes)));
        }

        // A source under an envelope through a gain (the stdlib's kick), with or without a pan; and a sampler through a
        // gain (a track's sample voices). After the kinds above, which take the chains that have filters. The sampler's
        // option (its sample) may differ from lane to lane. A plain oscillator through a gain is left to the mix tree:
        // there is no recursion to vectorise, and the bank would only save jobs.
        registry.TryGet("sampler", out NodeTypeDescriptor? sampler);
        NodeTypeDescriptor[] sources = [.. oscillators, .. Found(registry, "whitenoise", "pinknoise", "sampler")];
        if (gain is not null && registry.TryGet("vca", out NodeTypeDescriptor? vcaType) && registry.TryGet("adsr", out NodeTypeDescriptor? adsrType))
        {
            BankSide envelope = new([adsrType], IntoStage: 1, IntoPort: 1);
            BankStage[] voice = [new BankStage(sources, AllowsOptions: true), new BankStage([vcaType]), new BankStage([gain])];
            if (pan is not null)
            {
                registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.PannedEnvelopeKindName, [.. voice, new BankStage([pan])], [envelope], 2, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: true)));
            }

            registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.EnvelopeKindName, voice, [envelope], 1, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: true)));

            // The same through biquads before the vca (the stdlib's hat: noise through a high-pass).
            if (biquads.Length > 0)
            {
                BankSide filteredEnvelope = new([adsrType], IntoStage: 2, IntoPort: 1);
                BankStage[] filtered = [new BankStage(sources, AllowsOptions: true), new BankStage(biquads, BiquadBankKernels.MaxStages), new BankStage([vcaType]), new BankStage([gain])];
                if (pan is not null)
                {
                    registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.PannedFilteredKindName, [.. filtered, new BankStage([pan])], [filteredEnvelope], 2, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: true, filtered: true)));
                }

                registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.FilteredKindName, filtered, [filteredEnvelope], 1, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: true, filtered: true)));
            }
        }

        if (gain is not null && sampler is not null)
        {
            var samplers = new BankStage([sampler], AllowsOptions: true);
            if (pan is not null)
            {
                registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.PannedSamplerKindName, [samplers, new BankStage([gain]), new BankStage([pan])], [], 2, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: false)));
            }

            registry.RegisterBank(new BankDescriptor(Nodes.SourceVoiceBank.SamplerKindName, [samplers, new BankStage([gain])], [], 1, static lanes => new Nodes.SourceVoiceBank(lanes, envelope: false)));
        }
    }

    /// <summary>The registered types of these names (a registry without some of them banks the rest).</summary>
    private static NodeTypeDescriptor[] Found(NodeTypeRegistry registry, params string[] names)
    {
        var found = new List<NodeTypeDescriptor>();
        foreach (string name in names)
        {
            if (registry.TryGet(name, out NodeTypeDescriptor? type))
            {
                found.Add(type);
            }
        }

        return [.. found];
    }

    static partial void RegisterSources(NodeTypeRegistry registry);

    static partial void RegisterProcessors(NodeTypeRegistry registry);
}
