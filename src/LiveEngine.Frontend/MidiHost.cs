using LiveEngine.Live;
using LiveEngine.Midi.Control;

namespace LiveEngine.Frontend;

/// <summary>
/// The performance's controllers: the banks that bind MIDI controllers to variables and parameters
/// (<see cref="MidiControl"/>, docs/midi.md), the inputs that feed them (a JACK port, a Network MIDI 2.0 host),
/// and the session log's record of every value a binding writes.
/// </summary>
public sealed class MidiHost : IDisposable
{
    private readonly List<IDisposable> _attachments = [];
    private readonly NoticeBoard _notices;
    private readonly Func<SessionLog?> _log;

    // Control thread only.
    private long _midiErrors;

    public MidiHost(ILiveSession session, int bankSize, NoticeBoard notices, Func<SessionLog?> log)
    {
        ArgumentNullException.ThrowIfNull(notices);
        ArgumentNullException.ThrowIfNull(log);
        _notices = notices;
        _log = log;
        Midi = new MidiControl(session, bankSize);
        Midi.ValueWritten += LogMidi;
        Midi.Learned += (bank, slot, binding) => _notices.Raise(NoticeLevel.Info, "midi", $"learned: bank {bank + 1} slot {slot + 1}: {Frontend.Midi.MidiBindingSyntax.Format(binding)}");
    }

    /// <summary>The controller banks.</summary>
    public MidiControl Midi { get; }

    /// <summary>Keeps <paramref name="thing"/> (a MIDI input, say) alive as long as the host; disposed with it.</summary>
    public void Attach(IDisposable thing)
    {
        ArgumentNullException.ThrowIfNull(thing);
        _attachments.Add(thing);
    }

    /// <summary>Moves the bindings' smoothing on by <paramref name="seconds"/>, and reports controller writes that failed since the last call. Control thread only.</summary>
    public void Advance(double seconds)
    {
        Midi.Advance(seconds);
        if (Midi.Errors > _midiErrors)
        {
            _midiErrors = Midi.Errors;
            _notices.Raise(NoticeLevel.Warning, "midi", Midi.LastError ?? "a controller write failed");
        }
    }

    private void LogMidi(ControlTarget target, double value, long sample) => _log()?.Append(
        target.Variable is { } name
            ? new SessionLogEntry { Kind = "midi", Position = sample, Name = name, Value = value }
            : new SessionLogEntry { Kind = "midi", Position = sample, Node = target.Node, Parameter = target.Parameter, Value = value },
        durable: false);

    /// <summary>Closes the inputs.</summary>
    public void Dispose()
    {
        foreach (IDisposable thing in _attachments)
        {
            thing.Dispose();
        }
    }
}
