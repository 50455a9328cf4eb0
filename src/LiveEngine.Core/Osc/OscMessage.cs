namespace LiveEngine.Osc;

/// <summary>
/// An OSC message: an address (or address pattern), its arguments and the time tag it should take effect at
/// (<see cref="OscTimeTag.Immediately"/> for a message that came alone, the enclosing bundle's time otherwise).
/// </summary>
public sealed class OscMessage
{
    public OscMessage(string address, IReadOnlyList<OscValue> arguments, OscTimeTag time = default)
    {
        Address = address ?? throw new ArgumentNullException(nameof(address));
        Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
        Time = time.Raw == 0 ? OscTimeTag.Immediately : time;
    }

    public OscMessage(string address, params OscValue[] arguments)
        : this(address, (IReadOnlyList<OscValue>)arguments)
    {
    }

    public string Address { get; }

    public IReadOnlyList<OscValue> Arguments { get; }

    public OscTimeTag Time { get; }

    public override string ToString() => Address + (Arguments.Count == 0 ? "" : " " + string.Join(" ", Arguments));
}
