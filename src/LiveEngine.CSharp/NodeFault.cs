using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// A node of the playing snapshot that threw in Process, or (a user node) wrote NaN or infinity, and is silenced
/// until it is replaced.
/// </summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="TypeName">Its type.</param>
/// <param name="Exception">What it threw, a <see cref="NonFiniteOutputException"/> for a non-finite output (null for a node the watchdog stopped without an exception, or one in the engine process).</param>
/// <param name="Reported">What the engine process reported it threw ("Type: message"), when it plays there.</param>
public sealed record NodeFault(string NodeId, string TypeName, Exception? Exception, string? Reported = null)
{
    /// <summary>True for a node silenced for a non-finite output rather than for throwing.</summary>
    public bool WroteNonFinite =>
        Exception is NonFiniteOutputException || (Reported?.StartsWith(nameof(NonFiniteOutputException) + ":", StringComparison.Ordinal) ?? false);

    public override string ToString()
    {
        if (WroteNonFinite)
        {
            return $"node '{NodeId}' ({TypeName}) wrote NaN or infinity to an output — silenced; the rest plays on";
        }

        return Reported is not null
            ? $"node '{NodeId}' ({TypeName}) threw {Reported} — silenced; the rest plays on"
            : $"node '{NodeId}' ({TypeName}) threw {Exception?.GetType().Name ?? "nothing (stalled)"}: {Exception?.Message} — silenced; the rest plays on";
    }
}
