using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Jack;

/// <summary>
/// The part of JACK's C API (jack/jack.h, libjack.so.0) the driver uses, bound by hand with source-generated
/// marshalling: callbacks are <c>[UnmanagedCallersOnly]</c> function pointers, so nothing the GC could move or
/// collect is handed to native code.
/// </summary>
internal static unsafe partial class JackNative
{
    private const string Library = "libjack.so.0";

    /// <summary>jack_options_t: JackNoStartServer.</summary>
    public const int NoStartServer = 0x01;

    /// <summary>jack_options_t: JackServerName (the variadic argument names the server).</summary>
    public const int ServerName = 0x04;

    /// <summary>JackPortFlags: JackPortIsInput.</summary>
    public const ulong PortIsInput = 0x1;

    /// <summary>JackPortFlags: JackPortIsOutput.</summary>
    public const ulong PortIsOutput = 0x2;

    /// <summary>JackPortFlags: JackPortIsPhysical.</summary>
    public const ulong PortIsPhysical = 0x4;

    /// <summary>JACK_DEFAULT_AUDIO_TYPE.</summary>
    public const string DefaultAudioType = "32 bit float mono audio";

    // jack_client_open is variadic (a server name follows when JackServerName is set). For pointer-sized
    // integer arguments the x86-64 and AArch64 Linux conventions pass them as for a fixed-argument call.
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint jack_client_open(string clientName, int options, out int status, string? serverName);

    [LibraryImport(Library)]
    public static partial int jack_client_close(nint client);

    [LibraryImport(Library)]
    public static partial int jack_set_process_callback(nint client, delegate* unmanaged<uint, nint, int> callback, nint argument);

    [LibraryImport(Library)]
    public static partial int jack_set_xrun_callback(nint client, delegate* unmanaged<nint, int> callback, nint argument);

    [LibraryImport(Library)]
    public static partial int jack_set_buffer_size_callback(nint client, delegate* unmanaged<uint, nint, int> callback, nint argument);

    [LibraryImport(Library)]
    public static partial int jack_set_sample_rate_callback(nint client, delegate* unmanaged<uint, nint, int> callback, nint argument);

    [LibraryImport(Library)]
    public static partial int jack_set_freewheel(nint client, int onOff);

    [LibraryImport(Library)]
    public static partial void jack_on_shutdown(nint client, delegate* unmanaged<nint, void> callback, nint argument);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint jack_port_register(nint client, string portName, string portType, ulong flags, ulong bufferSize);

    [LibraryImport(Library)]
    public static partial float* jack_port_get_buffer(nint port, uint frames);

    [LibraryImport(Library)]
    public static partial nint jack_port_name(nint port);

    [LibraryImport(Library)]
    public static partial int jack_activate(nint client);

    [LibraryImport(Library)]
    public static partial int jack_deactivate(nint client);

    [LibraryImport(Library)]
    public static partial uint jack_get_sample_rate(nint client);

    [LibraryImport(Library)]
    public static partial uint jack_get_buffer_size(nint client);

    [LibraryImport(Library)]
    public static partial int jack_is_realtime(nint client);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int jack_disconnect(nint client, string sourcePort, string destinationPort);

    [LibraryImport(Library)]
    public static partial nint jack_get_client_name(nint client);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int jack_connect(nint client, string sourcePort, string destinationPort);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint jack_get_ports(nint client, string? portNamePattern, string? typeNamePattern, ulong flags);

    [LibraryImport(Library)]
    public static partial void jack_free(nint pointer);

    [LibraryImport(Library)]
    public static partial void jack_set_error_function(delegate* unmanaged<nint, void> function);

    [LibraryImport(Library)]
    public static partial void jack_set_info_function(delegate* unmanaged<nint, void> function);
}
