using System.Buffers.Binary;

namespace LiveEngine.Hosts.Wav;

/// <summary>A WAV file read whole into planar float channels.</summary>
public sealed class WavFile
{
    private WavFile(int sampleRate, WavSampleFormat format, float[][] channels)
    {
        SampleRate = sampleRate;
        Format = format;
        Channels = channels;
    }

    public int SampleRate { get; }

    public WavSampleFormat Format { get; }

    /// <summary>Samples per channel, in [-1, 1] for integer formats.</summary>
    public float[][] Channels { get; }

    public int ChannelCount => Channels.Length;

    public int Frames => Channels.Length == 0 ? 0 : Channels[0].Length;

    public static WavFile Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads 16/24/32-bit PCM, 32-bit float and their WAVE_FORMAT_EXTENSIBLE forms; skips unknown chunks.</summary>
    public static WavFile Read(Stream stream, string name = "stream")
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.ASCII, leaveOpen: true);
        if (ReadTag(reader) != "RIFF")
        {
            throw new InvalidDataException($"{name}: not a RIFF file.");
        }

        reader.ReadUInt32();
        if (ReadTag(reader) != "WAVE")
        {
            throw new InvalidDataException($"{name}: RIFF file is not WAVE.");
        }

        int channels = 0;
        int sampleRate = 0;
        int bits = 0;
        ushort tag = 0;
        while (stream.Position < stream.Length)
        {
            string chunk = ReadTag(reader);
            long size = reader.ReadUInt32();
            long next = stream.Position + size + (size & 1);
            if (chunk == "fmt ")
            {
                tag = reader.ReadUInt16();
                channels = reader.ReadUInt16();
                sampleRate = reader.ReadInt32();
                reader.ReadInt32();
                reader.ReadUInt16();
                bits = reader.ReadUInt16();
                if (tag == WavWriter.FormatExtensible && size >= 40)
                {
                    reader.ReadUInt16();
                    reader.ReadUInt16();
                    reader.ReadUInt32();
                    tag = reader.ReadUInt16();
                }
            }
            else if (chunk == "data")
            {
                if (channels == 0)
                {
                    throw new InvalidDataException($"{name}: data chunk before fmt chunk.");
                }

                WavSampleFormat format = (tag, bits) switch
                {
                    (WavWriter.FormatPcm, 16) => WavSampleFormat.Pcm16,
                    (WavWriter.FormatPcm, 24) => WavSampleFormat.Pcm24,
                    (WavWriter.FormatIeeeFloat, 32) => WavSampleFormat.Float32,
                    _ => throw new InvalidDataException($"{name}: unsupported WAV encoding (format tag {tag}, {bits} bits)."),
                };
                size = Math.Min(size, stream.Length - stream.Position);
                byte[] data = reader.ReadBytes((int)size);
                return new WavFile(sampleRate, format, Decode(data, channels, format));
            }

            stream.Position = next;
        }

        throw new InvalidDataException($"{name}: no data chunk.");
    }

    private static float[][] Decode(byte[] data, int channelCount, WavSampleFormat format)
    {
        int bytesPerSample = format.BytesPerSample();
        int frames = data.Length / (bytesPerSample * channelCount);
        var channels = new float[channelCount][];
        for (int c = 0; c < channelCount; c++)
        {
            channels[c] = new float[frames];
        }

        ReadOnlySpan<byte> bytes = data;
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channelCount; c++)
            {
                ReadOnlySpan<byte> s = bytes[((i * channelCount + c) * bytesPerSample)..];
                channels[c][i] = format switch
                {
                    WavSampleFormat.Float32 => BinaryPrimitives.ReadSingleLittleEndian(s),
                    WavSampleFormat.Pcm16 => BinaryPrimitives.ReadInt16LittleEndian(s) / (float)short.MaxValue,
                    _ => ((s[0] | (s[1] << 8) | (s[2] << 16)) << 8 >> 8) / (float)((1 << 23) - 1),
                };
            }
        }

        return channels;
    }

    private static string ReadTag(BinaryReader reader) => new(reader.ReadChars(4));
}
