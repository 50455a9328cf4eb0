using System.Text;
using LiveEngine.Osc;

namespace LiveEngine.Tests.Osc;

public sealed class OscPacketReaderTests
{
    // OSC 1.0 spec examples: "/oscillator/4/frequency" ,f 440.0 and "/foo" ,iisff 1000 -1 "hello" 1.234 5.678.
    private static readonly byte[] s_specFrequency = Convert.FromHexString("2F6F7363696C6C61746F722F342F6672657175656E6379002C66000043DC0000");
    private static readonly byte[] s_specFoo = Convert.FromHexString("2F666F6F000000002C69697366660000000003E8FFFFFFFF68656C6C6F0000003F9DF3B640B5B22D");

    [Fact]
    public void SpecExamples_ReadAsTheSpecSays()
    {
        var messages = new List<OscMessage>();
        Assert.Equal(OscReadError.None, OscPacketReader.TryRead(s_specFrequency, messages));
        Assert.Equal("/oscillator/4/frequency", messages[0].Address);
        Assert.Equal(440.0, messages[0].Arguments[0].AsDouble);
        Assert.True(messages[0].Time.IsImmediate);

        Assert.Equal(OscReadError.None, OscPacketReader.TryRead(s_specFoo, messages));
        OscMessage foo = messages[1];
        Assert.Equal("/foo", foo.Address);
        Assert.Equal(1000, foo.Arguments[0].AsInt32);
        Assert.Equal(-1, foo.Arguments[1].AsInt32);
        Assert.Equal("hello", foo.Arguments[2].AsString);
        Assert.Equal(1.234f, (float)foo.Arguments[3].AsDouble);
        Assert.Equal(5.678f, (float)foo.Arguments[4].AsDouble);
    }

    [Fact]
    public void SpecExamples_WriteToTheSpecsBytes()
    {
        Assert.Equal(s_specFrequency, OscPacketWriter.ToArray(new OscMessage("/oscillator/4/frequency", OscValue.Float32(440))));
        Assert.Equal(s_specFoo, OscPacketWriter.ToArray(new OscMessage("/foo", OscValue.Int32(1000), OscValue.Int32(-1), OscValue.String("hello"), OscValue.Float32(1.234f), OscValue.Float32(5.678f))));
    }

    [Fact]
    public void EveryType_SurvivesWriteThenRead()
    {
        OscValue[] values =
        [
            OscValue.Int32(-7), OscValue.Float32(0.25f), OscValue.String("héllo"), OscValue.Blob([1, 2, 3, 4, 5]),
            OscValue.Int64(long.MinValue), OscValue.Time(new OscTimeTag(0x0123_4567_89AB_CDEF)), OscValue.Float64(Math.PI),
            OscValue.Symbol("sym"), OscValue.Char('x'), OscValue.Rgba(0xFF00_80FF), OscValue.Midi(0x0090_3C7F), OscValue.Bool(true),
            OscValue.Bool(false), OscValue.Nil, OscValue.Infinitum, OscValue.ArrayBegin, OscValue.Int32(1), OscValue.ArrayEnd,
        ];
        var messages = new List<OscMessage>();
        Assert.Equal(OscReadError.None, OscPacketReader.TryRead(OscPacketWriter.ToArray(new OscMessage("/all", values)), messages));
        Assert.Equal(values, messages[0].Arguments);
    }

    [Fact]
    public void NestedBundles_GiveEachMessageItsBundlesTime_AndNeverAnEarlierOne()
    {
        var outer = new OscTimeTag(1000UL << 32);
        byte[] inner = OscPacketWriter.ToArray(new OscTimeTag(2000UL << 32), [new OscMessage("/inner")]);
        byte[] early = OscPacketWriter.ToArray(new OscTimeTag(10UL << 32), [new OscMessage("/early")]);
        byte[] message = OscPacketWriter.ToArray(new OscMessage("/outer", OscValue.Int32(1)));
        var packet = new List<byte>(Encoding.ASCII.GetBytes("#bundle\0"));
        packet.AddRange(BitConverter.GetBytes(outer.Raw).Reverse());
        foreach (byte[] element in new[] { message, inner, early })
        {
            packet.AddRange(BitConverter.GetBytes(element.Length).Reverse());
            packet.AddRange(element);
        }

        var messages = new List<OscMessage>();
        Assert.Equal(OscReadError.None, OscPacketReader.TryRead(packet.ToArray(), messages));
        Assert.Equal(["/outer", "/inner", "/early"], messages.Select(m => m.Address));
        Assert.Equal([outer, new OscTimeTag(2000UL << 32), outer], messages.Select(m => m.Time));
    }

    [Theory]
    [InlineData("", OscReadError.Empty)]
    [InlineData("2F61", OscReadError.NotAligned)]
    [InlineData("61620000", OscReadError.BadAddress)]
    [InlineData("2F616263", OscReadError.UnterminatedString)]
    [InlineData("2F61000078", OscReadError.NotAligned)]
    [InlineData("2F61000078000000", OscReadError.MissingTypeTags)]
    [InlineData("2F6100002C7A0000", OscReadError.UnknownTypeTag)]
    [InlineData("2F6100002C690000", OscReadError.Truncated)]
    [InlineData("2F6100002C6200007FFFFFFF", OscReadError.Truncated)]
    [InlineData("2F6100002C5D0000", OscReadError.UnbalancedArray)]
    [InlineData("2F6100002C5B0000", OscReadError.UnbalancedArray)]
    [InlineData("2362756E646C6500", OscReadError.BadBundleHeader)]
    [InlineData("2362756E646C65000000000000000001FFFFFFFC", OscReadError.BadElementSize)]
    [InlineData("2362756E646C6500000000000000000100000010", OscReadError.BadElementSize)]
    public void MalformedPackets_AreRefused_WithTheirReason_AndAddNothing(string hex, OscReadError expected)
    {
        byte[] packet = Convert.FromHexString(hex);
        var messages = new List<OscMessage> { new("/kept") };
        Assert.Equal(expected, OscPacketReader.TryRead(packet, messages));
        Assert.Single(messages);
        Assert.False(string.IsNullOrEmpty(OscPacketReader.Describe(expected)));
    }

    [Fact]
    public void BundlesNestedTooDeep_AreRefused()
    {
        byte[] packet = OscPacketWriter.ToArray(new OscMessage("/x"));
        for (int i = 0; i <= OscPacketReader.MaxDepth; i++)
        {
            var bundle = new List<byte>(Encoding.ASCII.GetBytes("#bundle\0"));
            bundle.AddRange(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 });
            bundle.AddRange(BitConverter.GetBytes(packet.Length).Reverse());
            bundle.AddRange(packet);
            packet = [.. bundle];
        }

        Assert.Equal(OscReadError.NestingTooDeep, OscPacketReader.TryRead(packet, []));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(5);
        var messages = new List<OscMessage>();
        byte[] buffer = new byte[512];
        for (int i = 0; i < 50_000; i++)
        {
            int length = random.Next(buffer.Length) & ~3;
            random.NextBytes(buffer.AsSpan(0, length));
            buffer[0] = (byte)"/#"[i & 1];
            OscPacketReader.TryRead(buffer.AsSpan(0, length), messages);
            messages.Clear();
        }
    }
}
