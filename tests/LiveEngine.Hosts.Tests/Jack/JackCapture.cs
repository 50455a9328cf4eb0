using System.Runtime.InteropServices;
using LiveEngine.Hosts.Jack;

namespace LiveEngine.Tests.Hosts.Jack;

/// <summary>
/// A small JACK client that records what other clients play: input ports <c>capture:in_1</c>, … connected to their
/// outputs, copied into preallocated arrays by its own process callback. What a listener at the server hears.
/// </summary>
internal sealed unsafe class JackCapture : IDisposable
{
    private readonly float[][] _recorded;
    private readonly nint[] _ports;
    private GCHandle _self;
    private nint _client;
    private int _frames;
    private volatile bool _recording;

    private JackCapture(nint client, nint[] ports, int capacityFrames)
    {
        _client = client;
        _ports = ports;
        _recorded = new float[ports.Length][];
        for (int c = 0; c < ports.Length; c++)
        {
            _recorded[c] = new float[capacityFrames];
        }
    }

    public int SampleRate { get; private init; }

    public static JackCapture Start(string serverName, int channels, int capacityFrames)
    {
        nint client = JackNative.jack_client_open("capture", JackNative.NoStartServer | JackNative.ServerName, out int status, serverName);
        Assert.True(client != 0, $"the capture client could not connect to '{serverName}' (status 0x{status:x})");
        var ports = new nint[channels];
        for (int c = 0; c < channels; c++)
        {
            ports[c] = JackNative.jack_port_register(client, $"in_{c + 1}", JackNative.DefaultAudioType, JackNative.PortIsInput, 0);
            Assert.NotEqual(0, ports[c]);
        }

        var capture = new JackCapture(client, ports, capacityFrames) { SampleRate = (int)JackNative.jack_get_sample_rate(client) };
        capture._self = GCHandle.Alloc(capture);
        JackNative.jack_set_process_callback(client, &OnProcess, GCHandle.ToIntPtr(capture._self));
        Assert.Equal(0, JackNative.jack_activate(client));
        return capture;
    }

    /// <summary>Output ports whose full name matches <paramref name="pattern"/> (a regular expression, as jack_get_ports takes).</summary>
    public IReadOnlyList<string> OutputPorts(string pattern)
    {
        var names = new List<string>();
        nint list = JackNative.jack_get_ports(_client, pattern, JackNative.DefaultAudioType, JackNative.PortIsOutput);
        if (list == 0)
        {
            return names;
        }

        for (var p = (nint*)list; *p != 0; p++)
        {
            names.Add(Marshal.PtrToStringUTF8(*p)!);
        }

        JackNative.jack_free(list);
        return names;
    }

    public void Connect(string sourcePort, int channel) =>
        Assert.Equal(0, JackNative.jack_connect(_client, sourcePort, $"capture:in_{channel + 1}"));

    /// <summary>
    /// Records <paramref name="wanted"/> frames of every input and returns the channels; gives up after 5 s (a
    /// server starved on a busy machine runs slower than real time), returning what it has.
    /// </summary>
    public float[][] Record(int wanted)
    {
        Volatile.Write(ref _frames, 0);
        _recording = true;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref _frames) < Math.Min(wanted, _recorded[0].Length) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(10);
        }

        _recording = false;
        int frames = Volatile.Read(ref _frames);
        return [.. _recorded.Select(channel => channel.AsSpan(0, frames).ToArray())];
    }

    public void Dispose()
    {
        if (_client != 0)
        {
            JackNative.jack_deactivate(_client);
            JackNative.jack_client_close(_client);
            _client = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static int OnProcess(uint frames, nint argument)
    {
        var capture = (JackCapture)GCHandle.FromIntPtr(argument).Target!;
        if (!capture._recording)
        {
            return 0;
        }

        int start = capture._frames;
        int n = Math.Min((int)frames, capture._recorded[0].Length - start);
        for (int c = 0; c < capture._ports.Length; c++)
        {
            new ReadOnlySpan<float>(JackNative.jack_port_get_buffer(capture._ports[c], frames), n).CopyTo(capture._recorded[c].AsSpan(start));
        }

        Volatile.Write(ref capture._frames, start + n);
        return 0;
    }
}
