using LiveEngine.Time;

namespace LiveEngine.Lua;

/// <summary>What a scheduled callback asked for.</summary>
internal enum ScheduledEventKind
{
    /// <summary>Set <see cref="ScheduledEvent.Parameter"/> to <see cref="ScheduledEvent.Value"/>.</summary>
    Set,

    /// <summary>Set the parameter to <see cref="ScheduledEvent.Value"/>, then to <see cref="ScheduledEvent.OffValue"/> <see cref="ScheduledEvent.LengthBeats"/> later.</summary>
    Trigger,
}

/// <summary>An event emitted by a callback, stamped with its exact musical time. A plain struct: emitting one allocates nothing.</summary>
internal struct ScheduledEvent
{
    public ScheduledEventKind Kind;
    public string Node;
    public string Parameter;
    public double Value;
    public double OffValue;
    public Fraction Beat;
    public Fraction LengthBeats;
}

/// <summary>Where the events of a callback go once it has finished without error.</summary>
internal interface IScheduledEventSink
{
    /// <summary>
    /// Delivers <paramref name="e"/>: null when it was taken, else why not. <paramref name="refused"/> is true when
    /// the session refused the event itself (its node or parameter is not in the graph playing at its time, or its
    /// value is out of range): every later run of the callback would be refused the same way.
    /// </summary>
    string? Deliver(in ScheduledEvent e, out bool refused);
}
