namespace LiveEngine.Hosts.Drivers;

/// <summary>Who noticed an xrun.</summary>
public enum XrunSource : byte
{
    /// <summary>The audio server reported it (JACK's xrun callback, PortAudio's underflow flag).</summary>
    Server = 1,

    /// <summary>Our own timing: a callback took longer than its period (the block's deadline).</summary>
    Deadline = 2,

    /// <summary>The null driver's pacing thread started a period after its deadline (woken late).</summary>
    LatePeriod = 3,
}

/// <summary>
/// One xrun: its source, the stream position (frames) of the block it hit, the wall-clock time (µs since 1970,
/// UTC), and where the period's time went: <paramref name="StartLateUs"/>, how late the audio thread started the
/// block behind its period's start (the null driver: behind its schedule; JACK: its distance from the previous callback's start, less one period),
/// and <paramref name="BlockUs"/>, how long the block took. For an xrun the server reported, both are the most
/// recent block's. -1: not measured.
/// </summary>
public readonly record struct XrunRecord(XrunSource Source, long Sample, long UnixTimeUs, int StartLateUs = -1, int BlockUs = -1);
