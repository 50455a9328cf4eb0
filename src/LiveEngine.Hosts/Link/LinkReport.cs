using System.Globalization;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// Where Link stands, as <c>link()</c> and <c>:link</c> show it: on or off, the peers, the session's tempo (BPM) and
/// the engine's phase in the session (beats into the quantum), or, when Link cannot run here, why.
/// </summary>
/// <param name="Enabled">True while the engine's clock follows the Link session.</param>
/// <param name="Peers">Other programs in the session (0 when off).</param>
/// <param name="SessionTempo">The session's tempo in BPM; NaN when off.</param>
/// <param name="Phase">The session's beat modulo <paramref name="Quantum"/>, now; NaN when off.</param>
/// <param name="Quantum">Beats over which phase is shared.</param>
/// <param name="Reason">Why Link cannot run in the engine's process ("Ableton Link is off: …"); null when it can.</param>
public sealed record LinkReport(bool Enabled, long Peers, double SessionTempo, double Phase, double Quantum, string? Reason)
{
    /// <summary>One line for the performer.</summary>
    public string Describe()
    {
        if (!Enabled)
        {
            return Reason ?? "Ableton Link is off (:link on, or link(true) in Lua, joins the session on this network).";
        }

        return string.Create(CultureInfo.InvariantCulture, $"Ableton Link on: {Peers} peer{(Peers == 1 ? "" : "s")}, session tempo {SessionTempo:0.##} BPM, phase {Phase:0.00} of {Quantum:0.##} beats.");
    }

    /// <summary>The words the Lua prelude reads: <c>on|off PEERS TEMPO PHASE QUANTUM</c> (<c>-</c> for none), then the reason on a line of its own.</summary>
    public string ToHostText()
    {
        string head = string.Create(CultureInfo.InvariantCulture, $"{(Enabled ? "on" : "off")} {Peers} {Number(SessionTempo)} {Number(Phase)} {Number(Quantum)}");
        return Reason is null ? head : head + "\n" + Reason;
    }

    /// <summary>
    /// <c>on</c>/<c>true</c>, <c>off</c>/<c>false</c>, or nothing (the status), as <c>:link</c> and the <c>link</c>
    /// host command take them; throws <see cref="ArgumentException"/> with the fix otherwise.
    /// </summary>
    public static bool? ParseSwitch(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        return argument.Trim().ToLowerInvariant() switch
        {
            "" => null,
            "on" or "true" => true,
            "off" or "false" => false,
            _ => throw new ArgumentException($"':link {argument.Trim()}': say ':link on' or ':link off', or ':link' alone for the status (in Lua: link(true), link(false), link())."),
        };
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "-";
}
