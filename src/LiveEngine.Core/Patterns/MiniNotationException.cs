namespace LiveEngine.Patterns;

/// <summary>A mini-notation string that cannot be read or played; the message names the column.</summary>
public sealed class MiniNotationException : Exception
{
    public MiniNotationException(string message, int column)
        : base(message)
    {
        Column = column;
    }

    /// <summary>1-based column in the pattern text (0 when the error is not tied to a place).</summary>
    public int Column { get; }
}
