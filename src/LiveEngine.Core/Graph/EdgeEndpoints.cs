namespace LiveEngine.Graph;

/// <summary>Compares edges by what they connect (from, from port, to, to port), not by reference.</summary>
internal sealed class EdgeEndpoints : IEqualityComparer<EdgeSpec>
{
    private EdgeEndpoints()
    {
    }

    public static EdgeEndpoints Comparer { get; } = new();

    public bool Equals(EdgeSpec? x, EdgeSpec? y) =>
        ReferenceEquals(x, y)
        || (x is not null && y is not null
            && string.Equals(x.From, y.From, StringComparison.Ordinal)
            && string.Equals(x.FromPort, y.FromPort, StringComparison.Ordinal)
            && string.Equals(x.To, y.To, StringComparison.Ordinal)
            && string.Equals(x.ToPort, y.ToPort, StringComparison.Ordinal));

    public int GetHashCode(EdgeSpec obj) =>
        HashCode.Combine(
            StringComparer.Ordinal.GetHashCode(obj.From),
            StringComparer.Ordinal.GetHashCode(obj.FromPort),
            StringComparer.Ordinal.GetHashCode(obj.To),
            StringComparer.Ordinal.GetHashCode(obj.ToPort));
}
