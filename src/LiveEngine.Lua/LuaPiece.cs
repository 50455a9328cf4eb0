using LiveEngine.Control;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Lua;

/// <summary>
/// A Lua file driving a session: <see cref="Start"/> runs its top level (which builds and commits the graph and
/// starts its callbacks), <see cref="Pump"/> runs the callbacks due within the look-ahead window. Errors name the
/// file and line (<c>bass.lua:12: ...</c>). One thread: whoever calls <see cref="Start"/> calls the rest.
/// </summary>
/// <example>
/// <code>
/// LiveSession session = LuaPiece.CreateSession();
/// using var piece = new LuaPiece("examples/techno.lua");
/// OfflinePieceRenderer.Render(piece, session, 30 * 48_000, 128, "techno.wav", WavSampleFormat.Pcm24);
/// </code>
/// </example>
public sealed class LuaPiece : ILivePiece
{
    private readonly string _code;
    private readonly string _chunkName;
    private readonly LuaPieceOptions _options;
    private LuaMachine? _machine;

    /// <summary>A piece from the file at <paramref name="path"/> (read now); its chunk name is the file name.</summary>
    public LuaPiece(string path, LuaPieceOptions? options = null)
        : this(File.ReadAllText(path), Path.GetFileName(path), options)
    {
    }

    /// <summary>A piece from source text.</summary>
    public LuaPiece(string code, string chunkName, LuaPieceOptions? options)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentException.ThrowIfNullOrEmpty(chunkName);
        _code = code;
        _chunkName = chunkName;
        _options = options ?? new LuaPieceOptions();
    }

    public event Action<string>? Diagnostics;

    public long LookaheadSamples => _machine?.LookaheadSamples ?? 0;

    /// <summary>Callbacks running now.</summary>
    public int ActiveCallbacks => _machine?.ActiveCallbacks ?? 0;

    /// <summary>The Lua state's memory in bytes.</summary>
    public long MemoryBytes => _machine?.MemoryBytes ?? 0;

    internal LuaMachine? Machine => _machine;

    /// <summary>
    /// A session ready for a Lua piece: the built-in node types and an initial graph that holds only the output
    /// node (silence until the piece commits).
    /// </summary>
    public static LiveSession CreateSession(LiveSessionOptions? options = null, NodeTypeRegistry? nodeTypes = null)
    {
        options ??= new LiveSessionOptions();
        var initial = new GraphDescription();
        initial.Add("out", "out", channels: options.OutputChannels);
        return new LiveSession(nodeTypes ?? BuiltinNodeTypes.CreateRegistry(), initial, options);
    }

    /// <summary>Runs the top level. Throws <see cref="LuaScriptException"/> (file and line) if it fails; the session's graph is then unchanged.</summary>
    public void Start(ILiveSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_machine is not null)
        {
            throw new InvalidOperationException("The piece has already started.");
        }

        var machine = new LuaMachine(session, _options.NodeTypes ?? BuiltinNodeTypes.CreateRegistry(), _options.Limits);
        machine.Diagnostics += m => Diagnostics?.Invoke(m);
        machine.Printed += m => Diagnostics?.Invoke(m);
        foreach ((string name, Func<string, string> command) in _options.HostCommands ?? new Dictionary<string, Func<string, string>>())
        {
            machine.HostCommands[name] = command;
        }

        try
        {
            (_, string printed) = machine.Evaluate(_code, _chunkName);
            if (printed.Length > 0)
            {
                Diagnostics?.Invoke(printed.TrimEnd('\n'));
            }
        }
        catch
        {
            machine.Dispose();
            throw;
        }

        _machine = machine;
    }

    public void Pump(long position)
    {
        if (_machine is null)
        {
            throw new InvalidOperationException("Start the piece before pumping it.");
        }

        _machine.Pump(position);
    }

    public void Dispose()
    {
        _machine?.Dispose();
        _machine = null;
    }
}
