using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.PortAudio;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// <c>driver = "auto"</c>: sound whenever there is a way to make it. JACK if a server answers; else PortAudio's
/// default output device (ALSA's default PCM on Linux, which is PulseAudio or PipeWire on most desktops); else the
/// silent fallback the caller names, with the reason.
/// </summary>
public static class AutoDriverChoice
{
    /// <param name="jackServer">The JACK server to look for (null: the default one).</param>
    /// <param name="channels">The output channels the engine needs.</param>
    /// <param name="fallback">The kind to fall back to ("null" or "offline").</param>
    public static DriverChoice Choose(string? jackServer, int channels, string fallback)
    {
        ArgumentException.ThrowIfNullOrEmpty(fallback);
        if (JackDriver.IsServerRunning(jackServer))
        {
            return new DriverChoice("jack", jackServer is null ? "a JACK server is running" : $"the JACK server '{jackServer}' is running");
        }

        string noJack = jackServer is null ? "no JACK server is running" : $"the JACK server '{jackServer}' is not running";
        PortAudioDevice? device;
        try
        {
            device = PortAudioDriver.DefaultOutputDevice(channels);
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or EntryPointNotFoundException)
        {
            string why = e is DllNotFoundException ? "PortAudio is not installed (libportaudio2)" : $"PortAudio did not start ({e.Message})";
            return new DriverChoice(fallback, $"{noJack} and {why}");
        }

        return device is null
            ? new DriverChoice(fallback, $"{noJack} and PortAudio finds no default output device with {channels} channels")
            : new DriverChoice("portaudio", $"{noJack}; PortAudio's default output device is {device.HostApi}: {device.Name}", device.HostApi);
    }
}
