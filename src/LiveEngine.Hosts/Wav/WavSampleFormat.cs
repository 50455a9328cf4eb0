namespace LiveEngine.Hosts.Wav;

/// <summary>Sample encodings a WAV file can hold here.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed integer PCM.</summary>
    Pcm16,

    /// <summary>24-bit signed integer PCM, packed in 3 bytes.</summary>
    Pcm24,

    /// <summary>32-bit IEEE float.</summary>
    Float32,
}

/// <summary>Facts about a <see cref="WavSampleFormat"/>.</summary>
public static class WavSampleFormatExtensions
{
    public static int BitsPerSample(this WavSampleFormat format) => format switch
    {
        WavSampleFormat.Pcm16 => 16,
        WavSampleFormat.Pcm24 => 24,
        WavSampleFormat.Float32 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown WAV sample format."),
    };

    public static int BytesPerSample(this WavSampleFormat format) => format.BitsPerSample() / 8;

    /// <summary>The format for a bit depth given on the command line: 16, 24 or 32 (float).</summary>
    public static WavSampleFormat FromBits(int bits) => bits switch
    {
        16 => WavSampleFormat.Pcm16,
        24 => WavSampleFormat.Pcm24,
        32 => WavSampleFormat.Float32,
        _ => throw new ArgumentOutOfRangeException(nameof(bits), bits, "WAV bit depth must be 16, 24 (integer PCM) or 32 (float)."),
    };
}
