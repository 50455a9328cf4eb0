using System.Runtime.InteropServices;

namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>
/// RtMidi's C API (rtmidi_c.h of RtMidi 5.0, <c>librtmidi.so.6</c>; Debian package librtmidi6), bound by hand.
/// Every create function returns a pointer to an <see cref="RtMidiWrapper"/> whose <c>ok</c> flag and message report
/// the last call's error (the C API catches RtMidi's exceptions).
/// </summary>
internal static unsafe partial class RtMidiNative
{
    public const string Library = "librtmidi.so.6";

    /// <summary><c>enum RtMidiApi</c>: RTMIDI_API_UNIX_JACK (the ALSA sequencer does not exist on the CI machine).</summary>
    public const int ApiUnixJack = 3;

    [StructLayout(LayoutKind.Sequential)]
    public struct RtMidiWrapper
    {
        public nint Ptr;
        public nint Data;
        [MarshalAs(UnmanagedType.U1)]
        public bool Ok;
        public nint Msg;
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial RtMidiWrapper* rtmidi_in_create(int api, string clientName, uint queueSizeLimit);

    [LibraryImport(Library)]
    public static partial void rtmidi_in_free(RtMidiWrapper* device);

    [LibraryImport(Library)]
    public static partial void rtmidi_in_ignore_types(RtMidiWrapper* device, [MarshalAs(UnmanagedType.U1)] bool sysex, [MarshalAs(UnmanagedType.U1)] bool time, [MarshalAs(UnmanagedType.U1)] bool sense);

    /// <summary>
    /// <c>rtmidi_in_set_callback</c>: RtMidi calls <paramref name="callback"/>(delta seconds, message, size, user data)
    /// for each message instead of queuing it. With the JACK backend it calls it on JACK's process thread, in the
    /// cycle the message arrived, and the delta is the difference of <c>jack_get_time()</c> (µs) between messages.
    /// </summary>
    [LibraryImport(Library)]
    public static partial void rtmidi_in_set_callback(RtMidiWrapper* device, delegate* unmanaged<double, byte*, nuint, nint, void> callback, nint userData);

    [LibraryImport(Library)]
    public static partial void rtmidi_in_cancel_callback(RtMidiWrapper* device);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial RtMidiWrapper* rtmidi_out_create(int api, string clientName);

    [LibraryImport(Library)]
    public static partial void rtmidi_out_free(RtMidiWrapper* device);

    [LibraryImport(Library)]
    public static partial int rtmidi_out_send_message(RtMidiWrapper* device, byte* message, int length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rtmidi_open_port(RtMidiWrapper* device, uint portNumber, string portName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rtmidi_open_virtual_port(RtMidiWrapper* device, string portName);

    [LibraryImport(Library)]
    public static partial void rtmidi_close_port(RtMidiWrapper* device);

    [LibraryImport(Library)]
    public static partial uint rtmidi_get_port_count(RtMidiWrapper* device);

    /// <summary>RtMidi 5: with a null buffer, <paramref name="length"/> receives the size needed (terminator included).</summary>
    [LibraryImport(Library)]
    public static partial int rtmidi_get_port_name(RtMidiWrapper* device, uint portNumber, byte* buffer, ref int length);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int setenv(string name, string value, int overwrite);

    /// <summary>Throws <see cref="RtMidiException"/> with RtMidi's message if the last call on <paramref name="device"/> failed.</summary>
    public static void Check(RtMidiWrapper* device, string what)
    {
        if (device is null)
        {
            throw new RtMidiException($"{what}: RtMidi returned no device.");
        }

        if (!device->Ok)
        {
            string message = device->Msg == 0 ? "unknown error" : Marshal.PtrToStringUTF8(device->Msg) ?? "unknown error";
            throw new RtMidiException($"{what}: {message}");
        }
    }

    public static string PortName(RtMidiWrapper* device, uint index)
    {
        int length = 0;
        if (rtmidi_get_port_name(device, index, null, ref length) < 0 || length <= 0)
        {
            return "";
        }

        byte[] buffer = new byte[length];
        fixed (byte* p = buffer)
        {
            int written = rtmidi_get_port_name(device, index, p, ref length);
            return written <= 0 ? "" : System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(written, length - 1));
        }
    }

    /// <summary>
    /// Points libjack (and so RtMidi's JACK backend, which opens its client with no server name) at
    /// <paramref name="serverName"/>: libjack reads JACK_DEFAULT_SERVER with getenv, and .NET's
    /// Environment.SetEnvironmentVariable does not change the native environment on Unix, so this calls setenv.
    /// </summary>
    public static void SetDefaultJackServer(string serverName)
    {
        if (setenv("JACK_DEFAULT_SERVER", serverName, 1) != 0)
        {
            throw new RtMidiException($"setenv(JACK_DEFAULT_SERVER) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }
}
