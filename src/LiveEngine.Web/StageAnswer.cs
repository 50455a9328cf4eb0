namespace LiveEngine.Web;

/// <summary>
/// The answer to one command from the page: whether it was done, what to tell the performer, and for a tracker edit the
/// Lua line it ran (shown so that it can be pasted into the piece); for a tracker read, the grid as tracker_view gives it.
/// </summary>
public readonly record struct StageAnswer(bool Ok, string Message, string? Lua = null, string? View = null);
