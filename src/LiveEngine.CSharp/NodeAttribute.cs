namespace LiveEngine.CSharp;

/// <summary>
/// Names a <see cref="UserNode"/> class as a node type and declares its ports. A port is written "name" (as many
/// channels as the node has), "name:1" (mono) or "name:2" (stereo).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeAttribute(string name) : Attribute
{
    /// <summary>The type name graphs use, for example "fold".</summary>
    public string Name { get; } = name;

    public string Description { get; set; } = "";

    /// <summary>Input ports; a source has none.</summary>
    public string[] Inputs { get; set; } = ["in"];

    /// <summary>Output ports.</summary>
    public string[] Outputs { get; set; } = ["out"];

    /// <summary>Channel count of a node whose description names none.</summary>
    public int Channels { get; set; } = 1;
}
