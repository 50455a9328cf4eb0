using LiveEngine.Midi.Fuzzing;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Midi.Ump;

public sealed class UmpStreamParserTests
{
    private sealed class ListSink : IUmpSink
    {
        public List<UmpMessage> Messages { get; } = [];

        public void OnMessage(in UmpMessage message) => Messages.Add(message);
    }

    private struct CountingSink : IUmpSink
    {
        public long Count;
        public uint Checksum;

        public void OnMessage(in UmpMessage message)
        {
            Count++;
            Checksum += message.Value + message.Index;
        }
    }

    [Fact]
    public void PacketSplitAcrossFeeds_IsDeliveredWhole()
    {
        var parser = new UmpStreamParser();
        var sink = new ListSink();
        parser.Feed([0x4090_4000u], ref sink);
        Assert.Empty(sink.Messages);
        parser.Feed([0xC104_0000u], ref sink);
        UmpMessage m = Assert.Single(sink.Messages);
        Assert.Equal(UmpKind.NoteOn, m.Kind);
        Assert.Equal(0xC104, m.Velocity);
    }

    [Fact]
    public void GarbageBeforeAPacket_IsDroppedWordByWord_AndTheParserResynchronises()
    {
        var parser = new UmpStreamParser();
        var sink = new ListSink();
        // Two invalid first words (MIDI 1.0 status 0x7, system status 0xF4), then a CC and a pitch bend.
        parser.Feed([0x2070_0000u, 0x10F4_0000u, 0x40B0_4A00u, 0x8000_0000u, 0x20E0_0040u], ref sink);
        Assert.Equal(2, parser.GarbageWords);
        Assert.Equal([UmpKind.ControlChange, UmpKind.Midi1PitchBend], sink.Messages.Select(m => m.Kind));
        Assert.Equal(74, sink.Messages[0].Index);
        Assert.Equal(0x8000_0000u, sink.Messages[0].Value);
        Assert.Equal(0x2000u, sink.Messages[1].Value);
    }

    [Fact]
    public void ParsingAndWritingManyMessages_AllocatesNothing()
    {
        var random = new Random(7);
        uint[] words = new uint[4 * 10_000];
        int n = 0;
        for (int i = 0; i < 10_000; i++)
        {
            n += UmpRandom.Next(random).Write(words.AsSpan(n));
        }

        var parser = new UmpStreamParser();
        var sink = new CountingSink();
        Span<uint> scratch = stackalloc uint[4];
        RunOnce(parser, words.AsSpan(0, n), ref sink, scratch);
        sink = default;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
        {
            RunOnce(parser, words.AsSpan(0, n), ref sink, scratch);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(100_000, sink.Count);
    }

    private static void RunOnce(UmpStreamParser parser, ReadOnlySpan<uint> words, ref CountingSink sink, Span<uint> scratch)
    {
        parser.Feed(words, ref sink);
        for (int at = 0; at < words.Length;)
        {
            UmpMessage.TryRead(words[at..], out UmpMessage m, out int consumed);
            m.Write(scratch);
            at += consumed;
        }
    }

    [Fact]
    public void RandomGarbage_NeverThrows_NeverAllocates_AndEveryMessageFoundReadsBack()
    {
        var random = new Random(11);
        uint[] garbage = new uint[200_000];
        for (int i = 0; i < garbage.Length; i++)
        {
            garbage[i] = (uint)random.NextInt64(0, 1L << 32);
        }

        var parser = new UmpStreamParser();
        var sink = new CountingSink();
        parser.Feed(garbage.AsSpan(0, 1000), ref sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        parser.Feed(garbage.AsSpan(1000), ref sink);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(parser.GarbageWords > 0 && sink.Count > 0, $"garbage {parser.GarbageWords}, messages {sink.Count}");
        Assert.Equal(sink.Count, parser.Messages);

        var checkedSink = new ListSink();
        new UmpStreamParser().Feed(garbage.AsSpan(0, 20_000), ref checkedSink);
        Span<uint> words = stackalloc uint[4];
        foreach (UmpMessage m in checkedSink.Messages)
        {
            int n = m.Write(words);
            Assert.Equal(UmpReadResult.Ok, UmpMessage.TryRead(words[..n], out UmpMessage again, out _));
            Assert.Equal(m, again);
        }
    }
}
