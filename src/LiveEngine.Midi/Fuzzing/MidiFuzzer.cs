using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveEngine.Control;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Transports.Network;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Fuzzing;

/// <summary>What a fuzzer fed to a parser.</summary>
public enum FuzzTarget
{
    /// <summary>UMP words: the streaming parser, the single-packet reader, both translators and the byte writer.</summary>
    Ump,

    /// <summary>Network MIDI 2.0 datagrams: the packet reader and a live host endpoint's command handling.</summary>
    NetMidi,

    /// <summary>MIDI 1.0 byte streams: the byte parser, MIDI 1.0 → 2.0 translation and a controller bank.</summary>
    Bytes,
}

/// <summary>The result of a fuzzing run.</summary>
/// <param name="Target">What was fuzzed.</param>
/// <param name="Duration">How long it ran.</param>
/// <param name="Inputs">Inputs fed.</param>
/// <param name="Crashes">Inputs on which something threw.</param>
/// <param name="InvariantFailures">Inputs that broke an invariant (a parsed message that does not survive write and re-read).</param>
/// <param name="Messages">Messages the parsers accepted.</param>
/// <param name="Rejected">Words, datagrams or bytes the parsers rejected as malformed (resynchronised or counted).</param>
/// <param name="FirstFailure">The first crash or invariant failure, with the input in hex.</param>
public sealed record FuzzReport(FuzzTarget Target, TimeSpan Duration, long Inputs, long Crashes, long InvariantFailures, long Messages, long Rejected, string? FirstFailure);

/// <summary>
/// A random and mutation fuzzer for the MIDI parsers: a third of the inputs are pure noise, a third are well-formed
/// (<see cref="UmpRandom"/>, valid datagrams), a third are well-formed ones with flipped bits, cut ends and inserted
/// noise. Any exception is a crash; a parsed UMP message that does not read back identically after writing is an
/// invariant failure. Deterministic for a seed.
/// </summary>
public static class MidiFuzzer
{
    public static FuzzReport Run(FuzzTarget target, TimeSpan duration, int seed = 1, Action<FuzzReport>? progress = null)
    {
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var state = new State(target);
        long nextProgress = 10_000;
        try
        {
            while (clock.Elapsed < duration)
            {
                for (int i = 0; i < 256; i++)
                {
                    state.Inputs++;
                    try
                    {
                        switch (target)
                        {
                            case FuzzTarget.Ump:
                                FuzzUmp(random, state);
                                break;
                            case FuzzTarget.NetMidi:
                                FuzzNetMidi(random, state);
                                break;
                            default:
                                FuzzBytes(random, state);
                                break;
                        }
                    }
                    catch (Exception e)
                    {
                        state.Crashes++;
                        state.FirstFailure ??= $"{e.GetType().Name}: {e.Message} on {Convert.ToHexString(state.LastInput)}";
                    }
                }

                if (progress is not null && clock.ElapsedMilliseconds >= nextProgress)
                {
                    nextProgress += 10_000;
                    progress(state.Report(clock.Elapsed));
                }
            }
        }
        finally
        {
            state.Dispose();
        }

        return state.Report(clock.Elapsed);
    }

    private static void FuzzUmp(Random random, State state)
    {
        int count = random.Next(1, 33);
        Span<uint> words = stackalloc uint[160];
        int n = 0;
        int strategy = random.Next(3);
        if (strategy == 0)
        {
            for (; n < count; n++)
            {
                words[n] = (uint)random.NextInt64(0, 1L << 32);
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                n += UmpRandom.Next(random).Write(words[n..]);
            }

            if (strategy == 2)
            {
                Mutate(random, words[..n]);
                if (random.Next(4) == 0)
                {
                    n = random.Next(n + 1);
                }
            }
        }

        state.LastInput = System.Runtime.InteropServices.MemoryMarshal.AsBytes(words[..n]).ToArray();
        var sink = new CheckingSink(state);
        state.StreamParser.Feed(words[..n], ref sink);
        for (int at = 0; at < n; at++)
        {
            UmpMessage.TryRead(words[at..n], out _, out _);
        }
    }

    private static void FuzzNetMidi(Random random, State state)
    {
        Span<byte> datagram = stackalloc byte[1024];
        int length;
        int strategy = random.Next(3);
        if (strategy == 0)
        {
            length = random.Next(0, 200);
            random.NextBytes(datagram[..length]);
            if (random.Next(2) == 0 && length >= 4)
            {
                "MIDI"u8.CopyTo(datagram);
            }
        }
        else
        {
            var writer = new NetMidiPacketWriter(datagram);
            int commands = random.Next(1, 6);
            for (int c = 0; c < commands; c++)
            {
                switch (random.Next(8))
                {
                    case 0:
                        writer.Invitation(NetMidiCommandCode.Invitation, "fuzz" + random.Next(10), "id");
                        break;
                    case 1:
                        writer.Command(NetMidiCommandCode.Ping, 0, [(uint)random.Next()]);
                        break;
                    case 2:
                        writer.Command(NetMidiCommandCode.SessionReset, 0);
                        break;
                    case 3:
                        writer.Command(NetMidiCommandCode.Bye, 0);
                        break;
                    case 4:
                        writer.Command(NetMidiCommandCode.RetransmitError, 0, [(uint)random.Next() << 16]);
                        break;
                    case 5:
                        writer.Command((NetMidiCommandCode)random.Next(256), (ushort)random.Next(65536), [(uint)random.Next()]);
                        break;
                    default:
                        writer.UmpData((ushort)random.Next(8), [UmpRandom.Next(random), UmpRandom.Next(random)]);
                        break;
                }
            }

            length = writer.Length;
            if (strategy == 2)
            {
                Mutate(random, datagram[..length]);
                if (random.Next(4) == 0)
                {
                    length = random.Next(length + 1);
                }
            }
        }

        state.LastInput = datagram[..length].ToArray();
        var reader = new NetMidiPacketReader(datagram[..length]);
        NetMidiReadResult result;
        while ((result = reader.TryReadNext(out NetMidiCommand command)) == NetMidiReadResult.Ok)
        {
            state.Messages++;
            _ = command.Header;
        }

        if (result == NetMidiReadResult.Malformed)
        {
            state.Rejected++;
        }

        state.Host!.Handle(datagram[..length], state.Peers[random.Next(state.Peers.Length)]);
    }

    private static void FuzzBytes(Random random, State state)
    {
        int length = random.Next(1, 64);
        Span<byte> bytes = stackalloc byte[64];
        random.NextBytes(bytes[..length]);
        state.LastInput = bytes[..length].ToArray();
        var sink = new CheckingSink(state);
        state.ByteParser.Feed(bytes[..length], ref sink);
        state.Control!.ReceiveMidi1(bytes[..length]);
    }

    private static void Mutate<T>(Random random, Span<T> data)
        where T : unmanaged
    {
        Span<byte> bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data);
        int flips = random.Next(1, 4);
        for (int i = 0; i < flips && bytes.Length > 0; i++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
    }

    private sealed class State : IDisposable
    {
        public State(FuzzTarget target)
        {
            Target = target;
            var variables = new NamedVariables();
            Control = new MidiControl(variables);
            for (int i = 0; i < 8; i++)
            {
                Control.Bind(new ControllerBinding(new ControlSource((ControlSourceKind)(i % 8), Index: i), ControlTarget.ForVariable($"fuzz{i}"), SmoothingMs: i % 2 * 5, SoftTakeover: i % 3 == 0));
            }

            if (target == FuzzTarget.NetMidi)
            {
                Host = new NetMidiHost(m => Control.Receive(m));
                // Replies go to sockets nobody reads: the kernel drops them once their buffers are full.
                Sinks = [.. Enumerable.Range(0, 3).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))];
                foreach (Socket s in Sinks)
                {
                    s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                }

                Peers = [.. Sinks.Select(s => (IPEndPoint)s.LocalEndPoint!)];
            }
        }

        public FuzzTarget Target { get; }

        public long Inputs, Crashes, InvariantFailures, Messages, Rejected;

        public string? FirstFailure;

        public byte[] LastInput = [];

        public UmpStreamParser StreamParser { get; } = new();

        public Midi1ByteParser ByteParser { get; } = new();

        public Midi1ToMidi2 Translator { get; } = new();

        public MidiControl? Control { get; }

        public NetMidiHost? Host { get; }

        public Socket[] Sinks { get; } = [];

        public IPEndPoint[] Peers { get; } = [];

        public FuzzReport Report(TimeSpan elapsed) => new(
            Target,
            elapsed,
            Inputs,
            Crashes,
            InvariantFailures,
            Messages,
            Rejected + StreamParser.GarbageWords + ByteParser.StrayBytes + (Host?.Malformed ?? 0),
            FirstFailure);

        public void Dispose()
        {
            Host?.Dispose();
            foreach (Socket s in Sinks)
            {
                s.Dispose();
            }
        }
    }

    private readonly struct CheckingSink(State state) : IUmpSink
    {
        public void OnMessage(in UmpMessage message)
        {
            state.Messages++;
            Span<uint> words = stackalloc uint[4];
            int n = message.Write(words);
            if (UmpMessage.TryRead(words[..n], out UmpMessage again, out _) != UmpReadResult.Ok || again != message)
            {
                state.InvariantFailures++;
                state.FirstFailure ??= $"{message} does not read back after writing (input {Convert.ToHexString(state.LastInput)})";
            }

            var translated = new TranslatedSink();
            state.Translator.Translate(message, ref translated);
            Span<UmpMessage> down = stackalloc UmpMessage[4];
            Span<byte> bytes = stackalloc byte[16];
            int count = Midi2ToMidi1.Translate(message, down);
            for (int i = 0; i < count; i++)
            {
                UmpToMidi1Bytes.Write(down[i], bytes);
            }

            state.Control!.Receive(message);
        }
    }

    private struct TranslatedSink : IUmpSink
    {
        public void OnMessage(in UmpMessage message)
        {
        }
    }
}
