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

/// <summary>One xrun: its source, the stream position (frames) of the block it hit, and the wall-clock time (µs since 1970, UTC).</summary>
public readonly record struct XrunRecord(XrunSource Source, long Sample, long UnixTimeUs);
