using LiveEngine.Midi.Clock;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>
/// A MIDI input through RtMidi's JACK backend that feeds a <see cref="MidiControl"/>. It either opens its own JACK
/// input port (<c>client:port</c>, for others to connect to) or connects to an existing output port by name. A reader
/// thread takes the messages from RtMidi's queue (RtMidi fills it on JACK's process thread; no managed code runs
/// there) and hands them over as MIDI 1.0 bytes, which the control translates to MIDI 2.0.
/// </summary>
public sealed unsafe class RtMidiInput : IDisposable
{
    private readonly RtMidiNative.RtMidiWrapper* _device;
    private readonly MidiControl _control;
    private readonly MidiClockSync? _clockSync;
    private readonly Thread _reader;
    private volatile bool _stop;
    private long _received;

    /// <param name="clientName">JACK client name.</param>
    /// <param name="control">Where the messages go.</param>
    /// <param name="connectTo">An output port to connect to (<c>client:port</c>), or null to open an own port named <paramref name="portName"/>.</param>
    /// <param name="portName">The name of the own port.</param>
    /// <param name="clockSync">If given, incoming Timing Clock, Start and Stop drive the session's tempo.</param>
    public RtMidiInput(string clientName, MidiControl control, string? connectTo = null, string portName = "in", MidiClockSync? clockSync = null)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
        _clockSync = clockSync;
        _device = RtMidiNative.rtmidi_in_create(RtMidiNative.ApiUnixJack, clientName, 1024);
        try
        {
            RtMidiNative.Check(_device, $"Opening RtMidi JACK input '{clientName}'");
            // Let SysEx and timing (clock) through; drop active sensing.
            RtMidiNative.rtmidi_in_ignore_types(_device, false, false, true);
            RtMidiPorts.Open(_device, clientName, portName, connectTo);
        }
        catch
        {
            RtMidiNative.rtmidi_in_free(_device);
            throw;
        }

        PortName = $"{clientName}:{portName}";
        _reader = new Thread(Read) { IsBackground = true, Name = $"rtmidi-in {PortName}" };
        _reader.Start();
    }

    /// <summary>The JACK name of this input's port.</summary>
    public string PortName { get; }

    /// <summary>Messages taken from RtMidi's queue.</summary>
    public long Received => Interlocked.Read(ref _received);

    private void Read()
    {
        // SysEx may be long; RtMidi drops a message larger than the buffer, so size it generously.
        byte* buffer = stackalloc byte[4096];
        double time = 0;
        while (!_stop)
        {
            nuint size = 4096;
            // RtMidi's timestamps are the seconds since the previous message, taken on JACK's process thread.
            double delta = RtMidiNative.rtmidi_in_get_message(_device, buffer, ref size);
            if (size == 0 || size > 4096)
            {
                Thread.Sleep(1);
                continue;
            }

            Interlocked.Increment(ref _received);
            time += Math.Max(delta, 0);
            if (_clockSync is not null && buffer[0] is 0xF8 or 0xFA or 0xFB or 0xFC)
            {
                _clockSync.Receive(UmpMessage.System((UmpKind)(0x100 | buffer[0])), time);
            }

            _control.ReceiveMidi1(new ReadOnlySpan<byte>(buffer, (int)size));
        }
    }

    public void Dispose()
    {
        if (_stop)
        {
            return;
        }

        _stop = true;
        _reader.Join();
        RtMidiNative.rtmidi_close_port(_device);
        RtMidiNative.rtmidi_in_free(_device);
    }
}
