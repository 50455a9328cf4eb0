namespace LiveEngine.Graph;

/// <summary>Thrown by compilation when a graph description is invalid; carries every error found, not just the first.</summary>
public sealed class GraphValidationException : Exception
{
    public GraphValidationException(IReadOnlyList<GraphError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<GraphError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<GraphError> errors) =>
        errors.Count == 1
            ? errors[0].Message
            : $"The graph has {errors.Count} errors:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors.Select(e => e.Message));
}
