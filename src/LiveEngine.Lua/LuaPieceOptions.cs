using LiveEngine.Nodes;

namespace LiveEngine.Lua;

/// <summary>How a Lua piece or workspace is set up.</summary>
public sealed record LuaPieceOptions
{
    /// <summary>The sandbox's limits.</summary>
    public LuaLimits Limits { get; init; } = new();

    /// <summary>The node types the DSL offers; must be the session's. Null: the built-in set.</summary>
    public NodeTypeRegistry? NodeTypes { get; init; }

    /// <summary>
    /// Commands the host offers the piece (Lua <c>host(name, arg)</c>; the prelude's <c>sample(name, file)</c> calls
    /// "sample"): name → (argument → result text). Run on the piece's thread. Null: none.
    /// </summary>
    public IReadOnlyDictionary<string, Func<string, string>>? HostCommands { get; init; }
}
