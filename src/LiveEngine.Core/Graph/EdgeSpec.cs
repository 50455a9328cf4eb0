namespace LiveEngine.Graph;

/// <summary>A connection from an output port to an input port: plain data. Several edges into one input are summed.</summary>
public sealed class EdgeSpec
{
    public EdgeSpec()
    {
    }

    public EdgeSpec(string from, string to, string fromPort = DefaultOutput, string toPort = DefaultInput)
    {
        From = from;
        To = to;
        FromPort = fromPort;
        ToPort = toPort;
    }

    public const string DefaultOutput = "out";
    public const string DefaultInput = "in";

    public string From { get; set; } = "";

    public string FromPort { get; set; } = DefaultOutput;

    public string To { get; set; } = "";

    public string ToPort { get; set; } = DefaultInput;

    public override string ToString() => $"{From}.{FromPort} -> {To}.{ToPort}";
}
