using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Wav;

/// <summary>
/// Writes a RIFF/WAVE file incrementally: 16/24-bit PCM or 32-bit float, any channel count. The header's sizes
/// are patched on <see cref="Dispose"/>. Files with more than two channels or 24-bit samples use
/// WAVE_FORMAT_EXTENSIBLE, as Microsoft's multichannel WAV note asks. Integer formats round to nearest and clip
/// (no dither, so renders stay deterministic).
/// </summary>
public sealed class WavWriter : IDisposable
{
    internal const ushort FormatPcm = 1;
    internal const ushort FormatIeeeFloat = 3;
    internal const ushort FormatExtensible = 0xFFFE;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly long _dataSizePosition;
    private readonly long _riffSizePosition;
    private byte[] _scratch = new byte[4096];
    private long _dataBytes;
    private bool _disposed;

    public WavWriter(string path, int sampleRate, int channels, WavSampleFormat format)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), sampleRate, channels, format, ownsStream: true)
    {
    }

    public WavWriter(Stream stream, int sampleRate, int channels, WavSampleFormat format, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 64);
        _stream = stream;
        _ownsStream = ownsStream;
        SampleRate = sampleRate;
        Channels = channels;
        Format = format;

        bool extensible = channels > 2 || format == WavSampleFormat.Pcm24;
        int bytesPerSample = format.BytesPerSample();
        Span<byte> header = stackalloc byte[extensible ? 68 : 44];
        "RIFF"u8.CopyTo(header);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        int fmtSize = extensible ? 40 : 16;
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], fmtSize);
        ushort tag = format == WavSampleFormat.Float32 ? FormatIeeeFloat : FormatPcm;
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], extensible ? FormatExtensible : tag);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * channels * bytesPerSample);
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)(channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)format.BitsPerSample());
        int at = 36;
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[36..], 22);
            BinaryPrimitives.WriteUInt16LittleEndian(header[38..], (ushort)format.BitsPerSample());
            BinaryPrimitives.WriteUInt32LittleEndian(header[40..], ChannelMask(channels));

            // The sub-format GUID {0000000X-0000-0010-8000-00AA00389B71}, X = the plain format tag.
            BinaryPrimitives.WriteUInt16LittleEndian(header[44..], tag);
            ReadOnlySpan<byte> guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            guidTail.CopyTo(header[46..]);
            at = 60;
        }

        "data"u8.CopyTo(header[at..]);
        long start = stream.CanSeek ? stream.Position : 0;
        _riffSizePosition = start + 4;
        _dataSizePosition = start + at + 4;
        stream.Write(header);
    }

    public int SampleRate { get; }

    public int Channels { get; }

    public WavSampleFormat Format { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten => _dataBytes / (Channels * Format.BytesPerSample());

    /// <summary>Appends <paramref name="frames"/> frames taken from one span per channel (planar input).</summary>
    public void WritePlanar(IReadOnlyList<float[]> channels, int offset, int frames)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count != Channels)
        {
            throw new ArgumentException($"Expected {Channels} channels, got {channels.Count}.", nameof(channels));
        }

        int bytesPerSample = Format.BytesPerSample();
        int frameBytes = Channels * bytesPerSample;
        int needed = frames * frameBytes;
        if (_scratch.Length < needed)
        {
            _scratch = new byte[needed];
        }

        Span<byte> bytes = _scratch.AsSpan(0, needed);
        if (Format == WavSampleFormat.Float32 && BitConverter.IsLittleEndian)
        {
            // The file's byte order is the machine's: interleave the samples' bits as they are (a 20 s stereo render is
            // 1.9 million samples, which the general path below encodes one call at a time).
            InterleaveBits(channels, offset, frames, MemoryMarshal.Cast<byte, uint>(bytes));
        }
        else
        {
            for (int c = 0; c < Channels; c++)
            {
                ReadOnlySpan<float> samples = channels[c].AsSpan(offset, frames);
                for (int i = 0; i < frames; i++)
                {
                    Encode(samples[i], bytes[(i * frameBytes + c * bytesPerSample)..]);
                }
            }
        }

        _stream.Write(bytes);
        _dataBytes += needed;
    }

    /// <summary>Writes the channels' samples, frame by frame, as their bit patterns (float32 in the machine's byte order).</summary>
    private void InterleaveBits(IReadOnlyList<float[]> channels, int offset, int frames, Span<uint> destination)
    {
        if (Channels == 2)
        {
            ReadOnlySpan<uint> left = MemoryMarshal.Cast<float, uint>(channels[0].AsSpan(offset, frames));
            ReadOnlySpan<uint> right = MemoryMarshal.Cast<float, uint>(channels[1].AsSpan(offset, frames));
            destination = destination[..(2 * frames)];
            for (int i = 0; i < frames; i++)
            {
                destination[2 * i] = left[i];
                destination[(2 * i) + 1] = right[i];
            }

            return;
        }

        for (int c = 0; c < Channels; c++)
        {
            ReadOnlySpan<uint> samples = MemoryMarshal.Cast<float, uint>(channels[c].AsSpan(offset, frames));
            for (int i = 0; i < frames; i++)
            {
                destination[(i * Channels) + c] = samples[i];
            }
        }
    }

    private void Encode(float sample, Span<byte> destination)
    {
        switch (Format)
        {
            case WavSampleFormat.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(destination, sample);
                break;
            case WavSampleFormat.Pcm16:
                BinaryPrimitives.WriteInt16LittleEndian(destination, (short)Quantize(sample, short.MaxValue));
                break;
            default:
                int value = Quantize(sample, (1 << 23) - 1);
                destination[0] = (byte)value;
                destination[1] = (byte)(value >> 8);
                destination[2] = (byte)(value >> 16);
                break;
        }
    }

    /// <summary>Scales by 2^(bits-1) - 1 so that ±1.0 maps to the largest magnitudes symmetrically; NaN becomes 0.</summary>
    private static int Quantize(float sample, int max)
    {
        if (float.IsNaN(sample))
        {
            return 0;
        }

        double scaled = Math.Round(Math.Clamp(sample, -1.0f, 1.0f) * (double)max, MidpointRounding.ToEven);
        return (int)scaled;
    }

    private static uint ChannelMask(int channels) => channels switch
    {
        1 => 0x4,
        2 => 0x3,
        4 => 0x33,
        6 => 0x3F,
        8 => 0x63F,
        _ => 0,
    };

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if ((_dataBytes & 1) == 1)
        {
            _stream.WriteByte(0);
        }

        if (_stream.CanSeek)
        {
            long end = _stream.Position;
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue, end - _riffSizePosition - 4));
            _stream.Position = _riffSizePosition;
            _stream.Write(size);
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue, _dataBytes));
            _stream.Position = _dataSizePosition;
            _stream.Write(size);
            _stream.Position = end;
        }

        _stream.Flush();
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
