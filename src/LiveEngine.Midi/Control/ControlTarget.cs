namespace LiveEngine.Midi.Control;

/// <summary>
/// What a controller drives: a named variable (<see cref="Variable"/>) or a node parameter (<see cref="Node"/> and
/// <see cref="Parameter"/>). Exactly one of the two forms is set.
/// </summary>
public sealed record ControlTarget(string? Variable = null, string? Node = null, string? Parameter = null)
{
    public static ControlTarget ForVariable(string name) => new(Variable: name);

    public static ControlTarget ForParameter(string node, string parameter) => new(Node: node, Parameter: parameter);

    public bool IsVariable => Variable is not null;

    /// <summary>Throws <see cref="ArgumentException"/> if neither or both forms are set.</summary>
    public void Validate()
    {
        bool variable = Variable is not null;
        bool parameter = Node is not null || Parameter is not null;
        if (variable == parameter || (parameter && (string.IsNullOrEmpty(Node) || string.IsNullOrEmpty(Parameter))))
        {
            throw new ArgumentException("A control target is either a variable name or a node and a parameter.");
        }
    }

    public override string ToString() => Variable ?? $"{Node}.{Parameter}";
}
