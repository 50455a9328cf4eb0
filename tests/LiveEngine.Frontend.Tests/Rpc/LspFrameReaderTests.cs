using System.Text;
using LiveEngine.Frontend.Rpc;

namespace LiveEngine.Tests.Frontend.Rpc;

/// <summary>
/// The framing reader over a finished stream: whatever the bytes, it makes progress, reports each bad frame once,
/// and resynchronises on the next <c>Content-Length:</c>.
/// </summary>
public sealed class LspFrameReaderTests
{
    private const string Body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transport/state\"}";

    private static string Valid => $"Content-Length: {Body.Length}\r\n\r\n{Body}";

    /// <summary>Every frame until the end (at most 100: a reader that loops on one bad frame fails here, not hangs).</summary>
    private static List<Frame> ReadAll(string input, int maxMessageBytes = 1 << 20)
    {
        var reader = new LspFrameReader(new MemoryStream(Encoding.UTF8.GetBytes(input)), maxMessageBytes, TimeSpan.FromSeconds(5));
        var frames = new List<Frame>();
        while (frames.Count < 100)
        {
            Frame frame = reader.ReadAsync(CancellationToken.None).GetAwaiter().GetResult();
            if (frame.Kind == FrameKind.End)
            {
                return frames;
            }

            frames.Add(frame);
        }

        return frames;
    }

    [Theory]
    [InlineData("X-Junk: 1\r\n\r\n")]
    [InlineData("Content-Length: lots\r\n\r\n")]
    [InlineData("Content-Length: -5\r\n\r\n")]
    [InlineData("Content-Length: 99999999999999999999999\r\n\r\n")]
    [InlineData("hello\r\n\r\n")]
    public void AHeaderWithoutAValidContentLength_IsOneBadFrame_ThenTheStreamEnds(string header)
    {
        List<Frame> frames = ReadAll(header);
        Assert.Equal([FrameKind.BadHeader], frames.Select(f => f.Kind));
    }

    [Theory]
    [InlineData("X-Junk: 1\r\n\r\n")]
    [InlineData("Content-Length: lots\r\n\r\n")]
    [InlineData("Content-Length: lots\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"graph/get\"}")]
    [InlineData("X-Junk: 1\r\nX-More: 2\r\n\r\nsome body that belonged to the bad header")]
    public void ABadFrame_IsReportedOnce_AndTheNextFrameIsRead(string bad)
    {
        List<Frame> frames = ReadAll(bad + Valid + bad + Valid);
        Assert.Equal([FrameKind.BadHeader, FrameKind.Message, FrameKind.BadHeader, FrameKind.Message], frames.Select(f => f.Kind));
        Assert.Equal(Body, Encoding.UTF8.GetString(frames[1].Body!));
        Assert.Equal(Body, Encoding.UTF8.GetString(frames[3].Body!));
    }

    [Fact]
    public void AHeaderWithNoBlankLine_IsOneBadFrame_WithoutBufferingIt()
    {
        string junk = new('x', 100_000);
        List<Frame> frames = ReadAll(junk + Valid);
        Assert.Equal([FrameKind.BadHeader, FrameKind.Message], frames.Select(f => f.Kind));
        Assert.Contains("within 8192 bytes", frames[0].Problem);
    }

    [Fact]
    public void AnOversizedBody_IsSkippedByItsLength_AndReportedOnce()
    {
        string big = new('a', 5000);
        List<Frame> frames = ReadAll($"Content-Length: {big.Length}\r\n\r\n{big}" + Valid, maxMessageBytes: 1000);
        Assert.Equal([FrameKind.TooLarge, FrameKind.Message], frames.Select(f => f.Kind));
        Assert.Equal("a message of 5000 bytes is over the 1000-byte limit", frames[0].Problem);
    }

    [Fact]
    public void AnAbsurdContentLength_IsTooLarge_NotAnException()
    {
        List<Frame> frames = ReadAll("Content-Length: 9000000000000000000\r\n\r\n{}");
        Assert.Equal([FrameKind.TooLarge], frames.Select(f => f.Kind));
    }

    [Fact]
    public async Task SkipToNextFrame_DropsTheRestOfACutBody_WithoutAReport()
    {
        // A Content-Length 10 bytes short: the caller finds the body malformed and asks to skip its rest.
        var reader = new LspFrameReader(new MemoryStream(Encoding.UTF8.GetBytes($"Content-Length: {Body.Length - 10}\r\n\r\n{Body}" + Valid)), 1 << 20, TimeSpan.FromSeconds(5));
        Frame cut = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal(FrameKind.Message, cut.Kind);
        reader.SkipToNextFrame();
        Frame next = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal(FrameKind.Message, next.Kind);
        Assert.Equal(Body, Encoding.UTF8.GetString(next.Body!));
        Assert.Equal(FrameKind.End, (await reader.ReadAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public void JunkBeforeAHeader_IsOneBadFrame_AndTheHeaderAfterItIsRead()
    {
        List<Frame> frames = ReadAll("garbage" + Valid);
        Assert.Equal([FrameKind.BadHeader, FrameKind.Message], frames.Select(f => f.Kind));
    }
}
