namespace LiveEngine.Nodes;

/// <summary>A named parameter with its range, default and unit (for example "cutoff", 20..20000, "Hz").</summary>
public readonly record struct ParameterDescriptor(string Name, float Min, float Max, float Default, string Unit, string Description = "")
{
    public bool Contains(double value) => value >= Min && value <= Max;

    /// <summary>
    /// Why <paramref name="value"/> is refused for this parameter of node <paramref name="nodeId"/>, in the user's
    /// terms: the node, the parameter, the value and the range (NaN and infinities named as such).
    /// </summary>
    public string Refusal(string nodeId, double value)
    {
        string range = $"{Format(Min)}..{Format(Max)}{(string.IsNullOrEmpty(Unit) ? "" : " " + Unit)}";
        return double.IsNaN(value)
            ? $"Parameter '{nodeId}.{Name}' = NaN (not a number, e.g. 0/0): it takes a number in {range}."
            : double.IsInfinity(value)
                ? $"Parameter '{nodeId}.{Name}' = {(value > 0 ? "" : "-")}infinity (e.g. a division by zero): it takes a number in {range}."
                : $"Parameter '{nodeId}.{Name}' = {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside its range {range}.";
    }

    private static string Format(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
