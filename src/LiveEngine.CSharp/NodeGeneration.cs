using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using LiveEngine.Languages;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// One compiled assembly of user node types, loaded into its own collectible <see cref="AssemblyLoadContext"/>.
/// Control thread only. After <see cref="Unload"/> the context goes away as soon as nothing references its types:
/// no registry entry, no snapshot, no node instance.
/// </summary>
public sealed class NodeGeneration
{
    private readonly WeakReference _contextReference;
    private AssemblyLoadContext? _context;

    private NodeGeneration(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        _contextReference = new WeakReference(context, trackResurrection: true);
        Assembly = assembly;
        Name = context.Name ?? assembly.GetName().Name ?? "";
    }

    public string Name { get; }

    /// <summary>The loaded assembly; null after <see cref="Unload"/>.</summary>
    public Assembly? Assembly { get; private set; }

    /// <summary>The admitted node types, with their measured costs; empty after <see cref="Unload"/>.</summary>
    public IReadOnlyList<NodeTypeDescriptor> Types { get; internal set; } = [];

    /// <summary>What admission measured for each type, in the order of <see cref="Types"/>.</summary>
    public IReadOnlyList<AdmissionMeasurement> Measurements { get; internal set; } = [];

    /// <summary>True once the load context has been collected (call <see cref="Unload"/>, then collect garbage).</summary>
    public bool IsCollected => !_contextReference.IsAlive;

    /// <summary>Loads <paramref name="image"/> (and its portable PDB, for line numbers in exceptions) into a new collectible context.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static NodeGeneration Load(string name, byte[] image, byte[]? pdb)
    {
        var context = new AssemblyLoadContext(name, isCollectible: true);
        using var imageStream = new MemoryStream(image, writable: false);
        using MemoryStream? pdbStream = pdb is null ? null : new MemoryStream(pdb, writable: false);
        Assembly assembly = context.LoadFromStream(imageStream, pdbStream);
        return new NodeGeneration(context, assembly);
    }

    /// <summary>
    /// Drops this generation's strong references and starts unloading its context. Types already registered or
    /// playing stay usable until their last reference goes.
    /// </summary>
    public void Unload()
    {
        _context?.Unload();
        _context = null;
        Assembly = null;
        Types = [];
        Measurements = [];
    }
}
