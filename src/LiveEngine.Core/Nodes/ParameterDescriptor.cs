namespace LiveEngine.Nodes;

/// <summary>A named parameter with its range, default and unit (for example "cutoff", 20..20000, "Hz").</summary>
public readonly record struct ParameterDescriptor(string Name, float Min, float Max, float Default, string Unit, string Description = "")
{
    public bool Contains(double value) => value >= Min && value <= Max;
}
