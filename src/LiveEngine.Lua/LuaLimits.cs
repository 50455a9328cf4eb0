namespace LiveEngine.Lua;

/// <summary>
/// The sandbox's limits: what one evaluation (a REPL entry, a piece's top level) and one scheduled callback may
/// spend, and how much memory the whole Lua state may hold. A limit that is hit stops that code with an error
/// naming the chunk and line; the state stays usable.
/// </summary>
public sealed record LuaLimits
{
    /// <summary>Memory the Lua state may hold (its allocator refuses more while user code runs).</summary>
    public long MemoryBytes { get; init; } = 64L << 20;

    /// <summary>Wall-clock time one evaluation may run Lua code (time inside engine calls such as a commit is not counted).</summary>
    public TimeSpan EvaluationTimeout { get; init; } = TimeSpan.FromMilliseconds(80);

    /// <summary>CPU time of its thread that one scheduled callback may run Lua code (a GC pause or a descheduled thread is not counted).</summary>
    public TimeSpan CallbackTimeout { get; init; } = TimeSpan.FromMilliseconds(80);

    /// <summary>Lua VM instructions one evaluation may execute (deterministic, unlike the timeout).</summary>
    public long EvaluationInstructions { get; init; } = 400_000_000;

    /// <summary>Lua VM instructions one scheduled callback may execute.</summary>
    public long CallbackInstructions { get; init; } = 20_000_000;

    /// <summary>Instructions between two checks of the limits (the count hook's period).</summary>
    public int CheckInterval { get; init; } = 1000;

    /// <summary>How far ahead of the audio position scheduled callbacks run.</summary>
    public TimeSpan Lookahead { get; init; } = TimeSpan.FromMilliseconds(100);
}
