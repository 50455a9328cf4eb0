namespace LiveEngine.CSharp;

/// <summary>A node of the playing snapshot that threw in Process and is silenced until it is replaced.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="TypeName">Its type.</param>
/// <param name="Exception">What it threw (null for a node the watchdog stopped without an exception, or one in the engine process).</param>
/// <param name="Reported">What the engine process reported it threw ("Type: message"), when it plays there.</param>
public sealed record NodeFault(string NodeId, string TypeName, Exception? Exception, string? Reported = null)
{
    public override string ToString() =>
        Reported is not null
            ? $"node '{NodeId}' ({TypeName}) threw {Reported} — silenced; the rest plays on"
            : $"node '{NodeId}' ({TypeName}) threw {Exception?.GetType().Name ?? "nothing (stalled)"}: {Exception?.Message} — silenced; the rest plays on";
}
