namespace LiveEngine.CSharp;

/// <summary>
/// Declares a parameter of a <see cref="UserNode"/> class. Parameters appear in
/// <see cref="LiveEngine.Nodes.ProcessContext.Parameters"/> in the order of these attributes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ParamAttribute(string name, float min, float max, float @default) : Attribute
{
    public string Name { get; } = name;

    public float Min { get; } = min;

    public float Max { get; } = max;

    public float Default { get; } = @default;

    /// <summary>Unit as docs/nodes.md writes it ("Hz", "dB", "ms", or empty for a linear factor).</summary>
    public string Unit { get; set; } = "";

    public string Description { get; set; } = "";
}
