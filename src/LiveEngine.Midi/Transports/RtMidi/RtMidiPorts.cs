namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>The MIDI ports RtMidi's JACK backend sees (<c>liveengine midi ports</c>).</summary>
public static unsafe class RtMidiPorts
{
    /// <summary>Uses JACK server <paramref name="serverName"/> for every RtMidi client this process opens from now on.</summary>
    public static void UseJackServer(string serverName) => RtMidiNative.SetDefaultJackServer(serverName);

    /// <summary>JACK MIDI ports that an RtMidi input can connect to (other clients' outputs).</summary>
    public static IReadOnlyList<string> Sources()
    {
        RtMidiNative.RtMidiWrapper* device = RtMidiNative.rtmidi_in_create(RtMidiNative.ApiUnixJack, "liveengine-list", 100);
        try
        {
            RtMidiNative.Check(device, "Opening an RtMidi JACK input");
            return List(device);
        }
        finally
        {
            RtMidiNative.rtmidi_in_free(device);
        }
    }

    /// <summary>JACK MIDI ports that an RtMidi output can connect to (other clients' inputs).</summary>
    public static IReadOnlyList<string> Destinations()
    {
        RtMidiNative.RtMidiWrapper* device = RtMidiNative.rtmidi_out_create(RtMidiNative.ApiUnixJack, "liveengine-list");
        try
        {
            RtMidiNative.Check(device, "Opening an RtMidi JACK output");
            return List(device);
        }
        finally
        {
            RtMidiNative.rtmidi_out_free(device);
        }
    }

    internal static IReadOnlyList<string> List(RtMidiNative.RtMidiWrapper* device)
    {
        uint count = RtMidiNative.rtmidi_get_port_count(device);
        RtMidiNative.Check(device, "Counting RtMidi ports");
        var names = new List<string>((int)count);
        for (uint i = 0; i < count; i++)
        {
            names.Add(RtMidiNative.PortName(device, i));
        }

        return names;
    }

    internal static uint Find(RtMidiNative.RtMidiWrapper* device, string portName)
    {
        IReadOnlyList<string> names = List(device);
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == portName)
            {
                return (uint)i;
            }
        }

        throw new RtMidiException($"No JACK MIDI port is named '{portName}'; there are: {(names.Count == 0 ? "none" : string.Join(", ", names))}.");
    }

    /// <summary>
    /// Opens the device's port: its own (virtual) port named <paramref name="portName"/>, or, with
    /// <paramref name="connectTo"/>, a port connected to that one. Throws with RtMidi's message if that fails.
    /// </summary>
    internal static unsafe void Open(RtMidiNative.RtMidiWrapper* device, string clientName, string portName, string? connectTo)
    {
        if (connectTo is null)
        {
            RtMidiNative.rtmidi_open_virtual_port(device, portName);
        }
        else
        {
            RtMidiNative.rtmidi_open_port(device, Find(device, connectTo), portName);
        }

        RtMidiNative.Check(device, $"Opening port '{portName}' of '{clientName}'");
    }
}
