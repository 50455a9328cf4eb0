namespace LiveEngine.CSharp;

/// <summary>
/// Thrown into a C# snippet's code that ran past its <see cref="SnippetLimits"/>, recursed until the stack was
/// nearly full, or was interrupted. The snippet cannot catch it: every <c>catch</c> of a snippet is compiled with
/// a filter that lets nothing through once its evaluation is stopping (<see cref="SnippetBudget.MayCatch"/>).
/// </summary>
public sealed class SnippetStoppedException : Exception
{
    public SnippetStoppedException()
    {
    }

    public SnippetStoppedException(string message)
        : base(message)
    {
    }

    public SnippetStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal SnippetStoppedException(string message, int line, int column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    /// <summary>The snippet's line (1-based) where it was stopped: the loop, jump or method that checked.</summary>
    public int Line { get; }

    /// <summary>The column (1-based) of that loop, jump or method.</summary>
    public int Column { get; }
}
