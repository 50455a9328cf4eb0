using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// The C shim over Ableton Link (native/link/liveengine_link.cpp, built into <see cref="Library"/> next to this
/// assembly when Debian's ableton-link-dev is installed), bound with source-generated marshalling. Times are Link's
/// host time: microseconds of CLOCK_MONOTONIC_RAW. Only <see cref="AbletonLink"/> calls these, after
/// <see cref="LinkAvailability"/> found the library.
/// </summary>
internal static partial class LinkNative
{
    public const string Library = "libliveengine-link.so";

    [LibraryImport(Library)]
    public static partial nint le_link_create(double bpm);

    [LibraryImport(Library)]
    public static partial void le_link_destroy(nint link);

    [LibraryImport(Library)]
    public static partial int le_link_enable(nint link, int enable);

    [LibraryImport(Library)]
    public static partial int le_link_is_enabled(nint link);

    [LibraryImport(Library)]
    public static partial void le_link_enable_start_stop_sync(nint link, int enable);

    [LibraryImport(Library)]
    public static partial long le_link_num_peers(nint link);

    [LibraryImport(Library)]
    public static partial long le_link_clock_micros(nint link);

    [LibraryImport(Library)]
    public static partial int le_link_capture(nint link, long atMicros, double quantum, out LinkState state);

    [LibraryImport(Library)]
    public static partial long le_link_time_at_beat(nint link, double beat, double quantum);

    [LibraryImport(Library)]
    public static partial int le_link_set_tempo(nint link, double bpm, long atMicros);

    [LibraryImport(Library)]
    public static partial int le_link_request_beat_at_time(nint link, double beat, long atMicros, double quantum);

    [LibraryImport(Library)]
    public static partial int le_link_set_is_playing(nint link, int playing, long atMicros);
}
