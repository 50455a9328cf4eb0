namespace LiveEngine.Frontend;

/// <summary>How much a notice matters.</summary>
public enum NoticeLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>Something the performer should see that is not the answer to what they typed: an xrun, a faulted node, a failing callback.</summary>
public sealed record Notice(NoticeLevel Level, string Source, string Message, DateTimeOffset Time)
{
    public override string ToString() => $"[{Level.ToString().ToLowerInvariant()}] {Source}: {Message}";
}
