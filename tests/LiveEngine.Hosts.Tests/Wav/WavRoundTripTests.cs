using System.Buffers.Binary;
using LiveEngine.Hosts.Wav;

namespace LiveEngine.Tests.Hosts.Wav;

public sealed class WavRoundTripTests
{
    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 1)]
    [InlineData(WavSampleFormat.Pcm16, 2)]
    [InlineData(WavSampleFormat.Pcm24, 2)]
    [InlineData(WavSampleFormat.Float32, 2)]
    [InlineData(WavSampleFormat.Float32, 6)]
    [InlineData(WavSampleFormat.Pcm24, 3)]
    public void WriteThenRead_ReturnsTheSamplesWithinQuantisation(WavSampleFormat format, int channels)
    {
        const int Frames = 1001;
        float[][] signal = [.. Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, Frames).Select(i => MathF.Sin((i + 1) * 0.01f * (c + 1)) * 0.9f).ToArray())];
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, 44_100, channels, format))
        {
            writer.WritePlanar(signal, 0, 500);
            writer.WritePlanar(signal, 500, Frames - 500);
            Assert.Equal(Frames, writer.FramesWritten);
        }

        stream.Position = 0;
        WavFile file = WavFile.Read(stream);
        Assert.Equal(44_100, file.SampleRate);
        Assert.Equal(format, file.Format);
        Assert.Equal(channels, file.ChannelCount);
        Assert.Equal(Frames, file.Frames);
        double tolerance = format switch
        {
            WavSampleFormat.Pcm16 => 0.5 / short.MaxValue,
            WavSampleFormat.Pcm24 => 0.5 / ((1 << 23) - 1),
            _ => 0,
        };
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < Frames; i++)
            {
                Assert.True(Math.Abs(signal[c][i] - file.Channels[c][i]) <= tolerance * 1.0001, $"channel {c} frame {i}: {signal[c][i]} vs {file.Channels[c][i]}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void Float32_WritesEverySampleBitForBit_FrameByFrame_FromAnOffset(int channels)
    {
        // Every kind of float, NaN payloads and signed zeros included: the file holds each sample's exact bits.
        float[] kinds = [0f, -0f, 1f, -1f, 0.25f, float.Epsilon, -float.Epsilon, float.MaxValue, float.NegativeInfinity, float.PositiveInfinity, BitConverter.Int32BitsToSingle(0x7FC00001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFA00000)), 3.5e-39f];
        const int Offset = 3;
        const int Frames = 37;
        float[][] signal = [.. Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, Offset + Frames + 2).Select(i => kinds[(i * 7 + c * 3) % kinds.Length]).ToArray())];
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, 48_000, channels, WavSampleFormat.Float32))
        {
            writer.WritePlanar(signal, Offset, Frames);
        }

        byte[] bytes = stream.ToArray();
        var expected = new byte[Frames * channels * 4];
        for (int i = 0; i < Frames; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(expected.AsSpan(((i * channels) + c) * 4), BitConverter.SingleToInt32Bits(signal[c][Offset + i]));
            }
        }

        Assert.Equal(expected, bytes[^expected.Length..]);
        Assert.Equal(expected.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - expected.Length - 4)));
    }

    [Fact]
    public void Header_HasRiffSizesAndFormatFields()
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, 48_000, 2, WavSampleFormat.Pcm16))
        {
            writer.WritePlanar([new float[10], new float[10]], 0, 10);
        }

        byte[] bytes = stream.ToArray();
        Assert.Equal(44 + 40, bytes.Length);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(bytes.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(48_000 * 4, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(40, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40)));
    }

    [Fact]
    public void Quantisation_ClipsAndMapsFullScaleSymmetrically()
    {
        var stream = new MemoryStream();
        using (var writer = new WavWriter(stream, 48_000, 1, WavSampleFormat.Pcm16))
        {
            writer.WritePlanar([[2f, -2f, 1f, -1f, float.NaN]], 0, 5);
        }

        stream.Position = 0;
        float[] read = WavFile.Read(stream).Channels[0];
        Assert.Equal([1f, -1f, 1f, -1f, 0f], read);
    }

    [Fact]
    public void Read_RejectsNonWaveData_WithTheReason()
    {
        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(new MemoryStream("RIFX0000WAVE"u8.ToArray()), "bad.wav"));
        Assert.Equal("bad.wav: not a RIFF file.", e.Message);
    }
}
