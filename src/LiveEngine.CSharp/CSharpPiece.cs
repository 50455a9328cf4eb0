using LiveEngine.Control;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// A .csx file driven against a session: <see cref="Start"/> evaluates the whole file as one submission (node
/// classes, graph, <see cref="LiveGlobals.EveryBar"/> callbacks); <see cref="Pump"/> runs the callbacks due within
/// the look-ahead. Control thread.
/// </summary>
public sealed class CSharpPiece : ILivePiece
{
    private readonly string _code;
    private readonly NodeTypeRegistry _registry;
    private CSharpWorkspace? _workspace;

    /// <param name="code">The piece's source.</param>
    /// <param name="name">Its name in messages (the file name).</param>
    /// <param name="registry">The registry the session was created with: the piece's node classes join it.</param>
    /// <param name="lookaheadSamples">How far ahead of the audio bar callbacks run.</param>
    public CSharpPiece(string code, string name, NodeTypeRegistry registry, long lookaheadSamples = 4_800)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfNegative(lookaheadSamples);
        _code = code;
        Name = name;
        _registry = registry;
        LookaheadSamples = lookaheadSamples;
    }

    public string Name { get; }

    public long LookaheadSamples { get; }

    /// <summary>The REPL the piece runs in (after <see cref="Start"/>): a performer can keep typing into it.</summary>
    public CSharpWorkspace? Workspace => _workspace;

    public event Action<string>? Diagnostics;

    /// <summary>
    /// Creates a session for a .csx piece: the built-in node types, an empty graph (the output node alone) and
    /// <paramref name="options"/>; the piece adds its own node types to the same registry when started.
    /// </summary>
    public static (LiveSession Session, CSharpPiece Piece) Open(string path, LiveSessionOptions? options = null)
    {
        options ??= new LiveSessionOptions();
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: options.OutputChannels);
        var session = new LiveSession(registry, graph, options);
        return (session, new CSharpPiece(File.ReadAllText(path), Path.GetFileName(path), registry));
    }

    public void Start(ILiveSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_workspace is not null)
        {
            throw new InvalidOperationException($"{Name} has already started.");
        }

        _workspace = new CSharpWorkspace(session, _registry, limits: SnippetLimits.Piece);
        Evaluation result = _workspace.EvaluateAsync(_code).GetAwaiter().GetResult();
        if (!result.Ok)
        {
            throw new InvalidOperationException($"{Name}{string.Join(Environment.NewLine + Name, result.Errors)}");
        }

        if (result.Output.Length > 0)
        {
            Diagnostics?.Invoke(result.Output.TrimEnd());
        }
    }

    public void Pump(long position)
    {
        if (_workspace is null)
        {
            throw new InvalidOperationException($"Start {Name} before pumping it.");
        }

        foreach (string failure in _workspace.Pump(position + LookaheadSamples))
        {
            Diagnostics?.Invoke($"{Name}: {failure}");
        }
    }

    public void Dispose() => _workspace?.Dispose();
}
