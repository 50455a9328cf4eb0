namespace LiveEngine.Osc;

/// <summary>
/// An OSC time tag: NTP time, seconds since 1900-01-01 in the high 32 bits and a binary fraction of a second in the
/// low 32 (OSC 1.0, "Temporal Semantics"). The raw value 1 means "immediately".
/// </summary>
public readonly record struct OscTimeTag(ulong Raw)
{
    /// <summary>Seconds from the NTP epoch (1900) to the Unix epoch (1970).</summary>
    public const long UnixEpochSeconds = 2_208_988_800;

    /// <summary>The special time tag that means "as soon as possible".</summary>
    public static OscTimeTag Immediately => new(1);

    public bool IsImmediate => Raw == 1;

    /// <summary>The time tag of a UTC instant (to 1/2³² s, rounded down).</summary>
    public static OscTimeTag FromDateTime(DateTime utc)
    {
        long ticks = utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks + (UnixEpochSeconds * TimeSpan.TicksPerSecond);
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(((UInt128)(ulong)(ticks % TimeSpan.TicksPerSecond) << 32) / TimeSpan.TicksPerSecond);
        return new((seconds << 32) | fraction);
    }

    /// <summary>Now, from the system clock.</summary>
    public static OscTimeTag Now => FromDateTime(DateTime.UtcNow);

    /// <summary>This time plus <paramref name="seconds"/> (negative goes back).</summary>
    public OscTimeTag AddSeconds(double seconds) => new((ulong)((long)Raw + (long)Math.Round(seconds * 4_294_967_296.0)));

    /// <summary>Seconds from <paramref name="origin"/> to this time (negative when this is earlier).</summary>
    public double SecondsSince(OscTimeTag origin) => (long)(Raw - origin.Raw) / 4_294_967_296.0;

    public DateTime ToDateTime()
    {
        long ticks = (long)(Raw >> 32) * TimeSpan.TicksPerSecond + (long)(((Raw & 0xFFFF_FFFF) * (ulong)TimeSpan.TicksPerSecond) >> 32);
        return new DateTime(DateTime.UnixEpoch.Ticks + ticks - (UnixEpochSeconds * TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
