using LiveEngine.Control;
using LiveEngine.CSharp;
using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Lua;
using LiveEngine.Nodes;

namespace LiveEngine.Cli;

/// <summary>Scripts as pieces: a .lua or .csx file that builds its graph and schedules its own changes.</summary>
internal static class Pieces
{
    public static bool IsPiece(string? file) =>
        file is not null && Path.GetExtension(file).ToLowerInvariant() is ".lua" or ".csx";

    /// <summary>A session (only the output node, the node types of <paramref name="registry"/>, by default the built-in ones) and the piece that will drive it.</summary>
    /// <remarks>
    /// A Lua piece's top level gets <paramref name="evaluationTimeout"/> of wall clock, or the live default (<see cref="LuaLimits"/>) when null.
    /// Its <c>sample(name, file)</c> reads from <paramref name="sampleFolders"/> (repl.config <c>[repl] sample_folders</c>, ':'-separated), as in the REPL.
    /// </remarks>
    public static (LiveSession Session, ILivePiece Piece) Open(string file, LiveSessionOptions options, IGraphExecutor executor, TimeSpan? evaluationTimeout = null, NodeTypeRegistry? registry = null, string sampleFolders = "")
    {
        if (!File.Exists(file))
        {
            throw new CliException($"File not found: {file}");
        }

        registry ??= BuiltinNodeTypes.CreateRegistry();
        var samples = new Frontend.SampleFolders([.. sampleFolders.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(PerformanceHost.ExpandHome)]);
        var silence = new GraphDescription();
        silence.Add("out", "out", channels: options.OutputChannels);
        var session = new LiveSession(registry, silence, options, executor);
        ILivePiece piece = Path.GetExtension(file).ToLowerInvariant() == ".lua"
            ? new LuaPiece(file, new LuaPieceOptions { NodeTypes = registry, Limits = evaluationTimeout is { } timeout ? new LuaLimits { EvaluationTimeout = timeout } : new LuaLimits(), HostCommands = new Dictionary<string, Func<string, string>> { ["sample"] = samples.Command } })
            : new CSharpPiece(File.ReadAllText(file), Path.GetFileName(file), registry);
        piece.Diagnostics += message => Console.Error.WriteLine("warning: " + message);
        return (session, piece);
    }

    /// <summary>Runs the piece's top level; its error (file and line) becomes a clear command-line error.</summary>
    public static void Start(ILivePiece piece, LiveSession session, string file)
    {
        try
        {
            piece.Start(session);
        }
        catch (Exception e) when (e is LuaScriptException or InvalidOperationException or ArgumentException or GraphValidationException)
        {
            throw new CliException(e.Message.StartsWith(Path.GetFileName(file), StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}");
        }
    }

    /// <summary>The graph a piece builds when its top level runs (its callbacks do not run): what <c>bench</c> measures.</summary>
    public static GraphDescription GraphOf(string file, int sampleRate, int maxBlockFrames)
    {
        var options = new LiveSessionOptions { SampleRate = sampleRate, MaxBlockFrames = Math.Max(maxBlockFrames, 128) };
        // Offline: no performer waits on this evaluation, so the live limit (80 ms of wall clock, which a loaded machine
        // can exceed while it builds a large graph) gives way to a generous one.
        (LiveSession session, ILivePiece piece) = Open(file, options, SingleThreadExecutor.Instance, evaluationTimeout: TimeSpan.FromSeconds(10));
        using (piece)
        {
            Start(piece, session, file);
            return session.Graph;
        }
    }
}
