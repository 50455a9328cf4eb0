using System.Runtime.InteropServices;
using LiveEngine.Live;

namespace LiveEngine.Tests.Midi.Transports;

/// <summary>
/// A JACK client for timing tests: its MIDI output writes one message at a chosen frame offset of a period, and its
/// audio input, connected from the engine's output, makes JACK run the engine before it in every cycle, so that in
/// that cycle the renderer's published position is the end of the block the engine just rendered: the frame the
/// message was written at, in the engine's samples, is that position − period + offset.
/// </summary>
internal sealed unsafe partial class JackMidiSender : IDisposable
{
    private const string Library = "libjack.so.0";
    private const int NoStartServer = 0x01;
    private const int ServerName = 0x04;

    // The one sender of the test process: the process callback reads these.
    private static LiveRenderer? s_renderer;
    private static nint s_midiPort;
    private static nint s_audioPort;
    private static int s_offset = -1;
    private static byte s_status, s_data1, s_data2;
    private static long s_sentSample = -1;

    private nint _client;

    public JackMidiSender(string serverName, string clientName, LiveRenderer renderer)
    {
        s_renderer = renderer;
        _client = jack_client_open(clientName, NoStartServer | ServerName, out int status, serverName);
        if (_client == 0)
        {
            throw new InvalidOperationException($"jack_client_open failed (status 0x{status:x}).");
        }

        s_midiPort = jack_port_register(_client, "midi_out", "8 bit raw midi", 0x2, 0);
        s_audioPort = jack_port_register(_client, "in", "32 bit float mono audio", 0x1, 0);
        jack_set_process_callback(_client, &Process, 0);
        if (jack_activate(_client) != 0)
        {
            throw new InvalidOperationException("jack_activate failed.");
        }

        ClientName = clientName;
    }

    public string ClientName { get; }

    /// <summary>Connects two ports by their full names; throws if JACK refuses.</summary>
    public void Connect(string source, string destination)
    {
        int result = jack_connect(_client, source, destination);
        if (result != 0 && result != 17)
        {
            throw new InvalidOperationException($"jack_connect {source} -> {destination} failed ({result}).");
        }
    }

    /// <summary>Writes a three-byte message at <paramref name="offset"/> in the next period; returns the engine sample of that frame.</summary>
    public long Send(byte status, byte data1, byte data2, int offset, TimeSpan timeout)
    {
        Volatile.Write(ref s_sentSample, -1);
        (s_status, s_data1, s_data2) = (status, data1, data2);

        // Release: the message is in place before the process callback sees the offset.
        Volatile.Write(ref s_offset, offset);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref s_sentSample) < 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("The JACK process callback did not run.");
            }

            Thread.Sleep(1);
        }

        return Volatile.Read(ref s_sentSample);
    }

    public void Dispose()
    {
        if (_client != 0)
        {
            jack_deactivate(_client);
            jack_client_close(_client);
            _client = 0;
        }
    }

    [UnmanagedCallersOnly]
    private static int Process(uint frames, nint argument)
    {
        void* buffer = jack_port_get_buffer(s_midiPort, frames);
        jack_midi_clear_buffer(buffer);
        jack_port_get_buffer(s_audioPort, frames);
        int offset = Volatile.Read(ref s_offset);
        if (offset >= 0 && offset < frames)
        {
            byte* message = stackalloc byte[] { s_status, s_data1, s_data2 };
            if (jack_midi_event_write(buffer, (uint)offset, message, 3) == 0)
            {
                // The engine ran before this client in this cycle: its position is the end of this period.
                Volatile.Write(ref s_sentSample, s_renderer!.Position - frames + offset);
            }

            Volatile.Write(ref s_offset, -1);
        }

        return 0;
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint jack_client_open(string clientName, int options, out int status, string serverName);

    [LibraryImport(Library)]
    private static partial int jack_client_close(nint client);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint jack_port_register(nint client, string portName, string portType, ulong flags, ulong bufferSize);

    [LibraryImport(Library)]
    private static partial int jack_set_process_callback(nint client, delegate* unmanaged<uint, nint, int> callback, nint argument);

    [LibraryImport(Library)]
    private static partial int jack_activate(nint client);

    [LibraryImport(Library)]
    private static partial int jack_deactivate(nint client);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int jack_connect(nint client, string sourcePort, string destinationPort);

    [LibraryImport(Library)]
    private static partial void* jack_port_get_buffer(nint port, uint frames);

    [LibraryImport(Library)]
    private static partial void jack_midi_clear_buffer(void* buffer);

    [LibraryImport(Library)]
    private static partial int jack_midi_event_write(void* buffer, uint time, byte* data, nuint size);
}
