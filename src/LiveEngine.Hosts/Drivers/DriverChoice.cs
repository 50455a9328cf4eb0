namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// What <c>driver = "auto"</c> plays through, and why, in words the performer reads at start-up.
/// </summary>
/// <param name="Kind">"jack", "portaudio", or the caller's silent fallback ("null" for the REPL, "offline" for <c>play</c>).</param>
/// <param name="Reason">Why, e.g. "no JACK server is running; PortAudio's default output device is ALSA: default".</param>
/// <param name="HostApi">For PortAudio: the default device's host API, so that the driver opens that same device.</param>
public sealed record DriverChoice(string Kind, string Reason, string? HostApi = null)
{
    /// <summary>True if the choice makes sound.</summary>
    public bool Audible => Kind is "jack" or "portaudio";
}
