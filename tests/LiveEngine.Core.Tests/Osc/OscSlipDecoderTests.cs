using LiveEngine.Osc;

namespace LiveEngine.Tests.Osc;

public sealed class OscSlipDecoderTests
{
    [Fact]
    public void Frames_WithEscapedBytes_SplitAcrossReads_DecodeToThePackets()
    {
        byte[] a = [0x2F, 0xC0, 0xDB, 0x00];
        byte[] b = [0x2F, 0x62, 0x00, 0x00];
        byte[] stream = [.. OscSlip.Encode(a), .. OscSlip.Encode(b)];
        var frames = new List<byte[]>();
        var decoder = new OscSlipDecoder();
        for (int i = 0; i < stream.Length; i++)
        {
            decoder.Feed(stream.AsSpan(i, 1), f => frames.Add(f.ToArray()));
        }

        Assert.Equal([a, b], frames);
        Assert.Equal(0, decoder.Dropped);
    }

    [Fact]
    public void ABadEscape_OrAnOversizedFrame_IsDropped_AndTheNextFrameStillDecodes()
    {
        var frames = new List<byte[]>();
        var decoder = new OscSlipDecoder(maxFrameBytes: 8);
        decoder.Feed([0xC0, 0x01, 0xDB, 0x05, 0x02, 0xC0], f => frames.Add(f.ToArray()));
        decoder.Feed([0xC0, .. new byte[20], 0xC0], f => frames.Add(f.ToArray()));
        decoder.Feed([0xC0, 0x2F, 0x00, 0x00, 0x00, 0xC0], f => frames.Add(f.ToArray()));
        Assert.Equal(2, decoder.Dropped);
        Assert.Equal([new byte[] { 0x2F, 0, 0, 0 }], frames);
    }
}
