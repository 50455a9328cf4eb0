using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>
/// A MIDI output through RtMidi's JACK backend: connected to an existing input port by name, or an own port for
/// others to connect to. Sends MIDI 1.0 bytes, or UMP translated to them (MIDI 2.0 voice messages are scaled down).
/// A message sent right after connecting may be lost while JACK activates the connection (seen once in the test,
/// which therefore probes until one arrives). One sending thread at a time.
/// </summary>
public sealed unsafe class RtMidiOutput : IDisposable
{
    private readonly RtMidiNative.RtMidiWrapper* _device;
    private readonly UmpMessage[] _translated = new UmpMessage[4];
    private readonly byte[] _bytes = new byte[16];
    private bool _disposed;

    public RtMidiOutput(string clientName, string? connectTo = null, string portName = "out")
    {
        _device = RtMidiNative.rtmidi_out_create(RtMidiNative.ApiUnixJack, clientName);
        try
        {
            RtMidiNative.Check(_device, $"Opening RtMidi JACK output '{clientName}'");
            RtMidiPorts.Open(_device, clientName, portName, connectTo);
        }
        catch
        {
            RtMidiNative.rtmidi_out_free(_device);
            throw;
        }

        PortName = $"{clientName}:{portName}";
    }

    public string PortName { get; }

    /// <summary>Sends one complete MIDI 1.0 message.</summary>
    public void Send(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (byte* p = message)
        {
            if (RtMidiNative.rtmidi_out_send_message(_device, p, message.Length) < 0)
            {
                RtMidiNative.Check(_device, "Sending a MIDI message");
                throw new RtMidiException("Sending a MIDI message failed.");
            }
        }
    }

    /// <summary>Sends a UMP message in its MIDI 1.0 form (nothing for messages that have none).</summary>
    public void Send(in UmpMessage message)
    {
        int count = Midi2ToMidi1.Translate(message, _translated);
        for (int i = 0; i < count; i++)
        {
            int n = UmpToMidi1Bytes.Write(_translated[i], _bytes);
            if (n > 0)
            {
                Send(_bytes.AsSpan(0, n));
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RtMidiNative.rtmidi_close_port(_device);
        RtMidiNative.rtmidi_out_free(_device);
    }
}
