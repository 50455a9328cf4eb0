using System.Diagnostics;
using System.Net;
using LiveEngine.Frontend.Dirt;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;
using LiveEngine.Osc;

namespace LiveEngine.Frontend.Osc;

/// <summary>
/// Feeds random, well-formed and mutated OSC packets to the reader, the SLIP decoder, the pattern matcher, a live
/// server whose router drives a real session, and a SuperDirt endpoint (<see cref="DirtHost"/>) playing into it, while another thread renders that session in real time and counts
/// the bytes it allocates (<c>liveengine osc fuzz</c>). A crash is any exception out of the OSC code; an invariant
/// failure is a well-formed packet that does not read back as it was written.
/// </summary>
public static class OscFuzzer
{
    private static readonly string[] s_addresses =
    [
        "/param/s/freqHz", "/param/s/level", "/param/e/gate", "/param/nope/freqHz", "/param/s/nope", "/var/x", "/var/fader_1",
        "/var/9bad", "/trig/e/gate", "/trig/nope/gate", "/fader/1", "/param/*/freqHz", "/var/", "/param//", "/x",
        "/dirt/play", "/dirt/play",
    ];

    private static readonly string[] s_dirtKeys =
    [
        "s", "n", "orbit", "gain", "pan", "speed", "begin", "end", "cutoff", "resonance", "room", "size", "delay",
        "delaytime", "delayfeedback", "cps", "cycle", "delta", "legato", "sustain", "note", "midinote", "vowel",
    ];

    private static readonly string[] s_dirtSounds = ["bd", "bd:1", "bd:-7", "hh", "../bd", "bd/..", "", "sn", "bd:x", "bd:1e308"];

    private const string TypeTags = "ifsbhtdScrmTFNI[]";

    public static OscFuzzReport Run(TimeSpan duration, int seed, Action<OscFuzzReport>? progress = null)
    {
        var random = new Random(seed);
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: 1);
        graph.Add("s", "sine", new Dictionary<string, double> { ["freqHz"] = 220 });
        graph.Add("e", "adsr", new Dictionary<string, double> { ["gate"] = 0 });
        graph.Add("v", "vca");
        graph.Chain("s", "v", "out");
        graph.Connect("e", "v", toPort: "cv");
        var session = new LiveSession(LiveEngine.Dsp.BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { OutputChannels = 1, MaxBlockFrames = 64 });
        var map = new OscTimeMap(session.Options.SampleRate, 960, OscTimeTag.Now, 0);
        var router = new OscRouter(session, map);
        using var server = new OscServer(new IPEndPoint(IPAddress.Loopback, 0), router.Handle, tcp: false);
        var from = new IPEndPoint(IPAddress.Loopback, 9);
        string samples = Directory.CreateTempSubdirectory("liveengine-osc-fuzz-").FullName;
        Directory.CreateDirectory(Path.Combine(samples, "bd"));
        foreach (string file in new[] { "a.wav", "b.wav" })
        {
            var click = new float[256];
            click[0] = 0.5f;
            using var writer = new WavWriter(Path.Combine(samples, "bd", file), 44_100, 1, WavSampleFormat.Float32);
            writer.WritePlanar([click], 0, click.Length);
        }

        var dirt = new DirtHost(session, new SampleFolders([samples]), map);

        long audioBlocks = 0, audioBytes = 0;
        bool stop = false;
        var audio = new Thread(() =>
        {
            // The audio side, paced in real time: a block of 64 frames every 1.33 ms. Warm-up blocks are not counted.
            long start = Stopwatch.GetTimestamp();
            long frames = 0;
            while (!Volatile.Read(ref stop))
            {
                double due = frames / (double)session.Options.SampleRate;
                if (Stopwatch.GetElapsedTime(start).TotalSeconds < due)
                {
                    Thread.Sleep(0);
                    continue;
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                session.Renderer.Render(64);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                frames += 64;
                if (frames > 48_000)
                {
                    Interlocked.Add(ref audioBytes, allocated);
                    Interlocked.Increment(ref audioBlocks);
                }
            }
        })
        { IsBackground = true, Name = "osc fuzz audio" };
        audio.Start();

        var messages = new List<OscMessage>();
        var again = new List<OscMessage>();
        var slip = new OscSlipDecoder();
        byte[] buffer = new byte[OscPacketReader.MaxPacketBytes];
        long inputs = 0, crashes = 0, invariants = 0, parsed = 0, rejected = 0;
        string? first = null;
        var clock = Stopwatch.StartNew();
        TimeSpan nextReport = TimeSpan.FromSeconds(30);
        OscFrameHandler onFrame = frame => OscPacketReader.TryRead(frame, again);
        long lastMaintain = 0;

        OscFuzzReport Report() => new(clock.Elapsed, inputs, crashes, invariants, parsed, rejected, Interlocked.Read(ref audioBlocks), Interlocked.Read(ref audioBytes), router.ParametersSet, router.RefusedCount, dirt.Events, dirt.RefusedCount, first) { LastDirtRefusal = dirt.LastError };

        while (clock.Elapsed < duration)
        {
            for (int batch = 0; batch < 64; batch++)
            {
                inputs++;
                int kind = random.Next(3);
                int length;
                OscMessage[]? written = null;
                if (kind == 0)
                {
                    length = random.Next(0, 257) & ~(random.Next(2) * 3);
                    random.NextBytes(buffer.AsSpan(0, length));
                    if (length >= 1 && random.Next(2) == 0)
                    {
                        buffer[0] = random.Next(2) == 0 ? (byte)'/' : (byte)'#';
                    }
                }
                else if (random.Next(4) == 0)
                {
                    written = [GenerateDirt(random)];
                    length = OscPacketWriter.WriteBundle(buffer, written[0].Time, written);
                    if (kind == 2)
                    {
                        length = Mutate(random, buffer, length);
                        written = null;
                    }
                }
                else
                {
                    written = Generate(random);
                    length = written.Length == 1 && random.Next(3) == 0
                        ? OscPacketWriter.WriteMessage(buffer, written[0])
                        : OscPacketWriter.WriteBundle(buffer, written[0].Time, written);
                    if (kind == 2)
                    {
                        length = Mutate(random, buffer, length);
                        written = null;
                    }
                }

                try
                {
                    messages.Clear();
                    OscReadError error = OscPacketReader.TryRead(buffer.AsSpan(0, length), messages);
                    if (error == OscReadError.None)
                    {
                        parsed += messages.Count;
                    }
                    else
                    {
                        rejected++;
                    }

                    if (written is not null && !SameMessages(written, messages, error))
                    {
                        invariants++;
                        first ??= $"a well-formed packet ({length} bytes, {written.Length} messages, first {written[0]}) read back as {error}/{messages.Count}";
                    }

                    server.Handle(buffer.AsSpan(0, length), from);
                    if (error == OscReadError.None)
                    {
                        foreach (OscMessage message in messages)
                        {
                            dirt.Handle(message, from, Stopwatch.GetTimestamp());
                        }
                    }

                    again.Clear();
                    slip.Feed(OscSlip.Encode(buffer.AsSpan(0, length)), onFrame);
                    if (random.Next(8) == 0)
                    {
                        slip.Feed(buffer.AsSpan(0, length), onFrame);
                    }

                    string pattern = RandomPattern(random);
                    OscAddressPattern.IsMatch(pattern, s_addresses[random.Next(s_addresses.Length)]);
                    OscAddressPattern.IsMatch(pattern, pattern);
                }
                catch (Exception e)
                {
                    crashes++;
                    first ??= $"{e.GetType().Name}: {e.Message} on {Convert.ToHexString(buffer, 0, Math.Min(length, 64))}";
                }
            }

            if (clock.ElapsedMilliseconds - lastMaintain >= 10)
            {
                session.Maintain();
                lastMaintain = clock.ElapsedMilliseconds;
            }

            if (clock.Elapsed >= nextReport)
            {
                progress?.Invoke(Report());
                nextReport += TimeSpan.FromSeconds(30);
            }
        }

        Volatile.Write(ref stop, true);
        audio.Join();
        Directory.Delete(samples, recursive: true);
        return Report();
    }

    /// <summary>A /dirt/play event: key-value pairs with known and unknown keys, numbers, strings and the odd wrong type.</summary>
    private static OscMessage GenerateDirt(Random random)
    {
        var arguments = new List<OscValue>();
        if (random.Next(8) != 0)
        {
            arguments.Add(OscValue.String("s"));
            arguments.Add(OscValue.String(s_dirtSounds[random.Next(s_dirtSounds.Length)]));
        }

        for (int i = random.Next(0, 10); i > 0; i--)
        {
            arguments.Add(random.Next(16) == 0 ? OscValue.Int32(random.Next()) : OscValue.String(s_dirtKeys[random.Next(s_dirtKeys.Length)]));
            arguments.Add(random.Next(6) switch
            {
                0 => OscValue.Int32(random.Next(-20, 20)),
                1 => OscValue.Float32(random.Next(4) == 0 ? float.NaN : (float)((random.NextDouble() * 4) - 1)),
                2 => OscValue.String(random.Next(2) == 0 ? "0.5" : "loud"),
                3 => OscValue.Float64(random.Next(3) == 0 ? double.PositiveInfinity : random.NextDouble() * 20_000),
                4 => OscValue.Nil,
                _ => OscValue.Float32((float)random.NextDouble()),
            });
        }

        OscTimeTag time = random.Next(4) == 0 ? OscTimeTag.Immediately : OscTimeTag.Now.AddSeconds((random.NextDouble() * 0.3) - 0.05);
        return new OscMessage("/dirt/play", arguments, time);
    }

    private static OscMessage[] Generate(Random random)
    {
        OscTimeTag time = random.Next(4) == 0 ? OscTimeTag.Immediately : OscTimeTag.Now.AddSeconds((random.NextDouble() * 0.3) - 0.05);
        var result = new OscMessage[random.Next(1, 5)];
        for (int m = 0; m < result.Length; m++)
        {
            var arguments = new List<OscValue>();
            int count = random.Next(0, 5);
            int depth = 0;
            for (int i = 0; i < count; i++)
            {
                char tag = TypeTags[random.Next(TypeTags.Length)];
                if (tag == ']' && depth == 0)
                {
                    tag = 'f';
                }

                depth += tag == '[' ? 1 : tag == ']' ? -1 : 0;
                arguments.Add(tag switch
                {
                    'i' => OscValue.Int32(random.Next(-1000, 20_000)),
                    'f' => OscValue.Float32((float)(random.NextDouble() * 20_000 - 100)),
                    's' => OscValue.String(new string('a', random.Next(0, 9))),
                    'b' => OscValue.Blob(new byte[random.Next(0, 9)]),
                    'h' => OscValue.Int64(random.NextInt64()),
                    't' => OscValue.Time(new OscTimeTag((ulong)random.NextInt64())),
                    'd' => OscValue.Float64(random.NextDouble()),
                    'S' => OscValue.Symbol("sym"),
                    'c' => OscValue.Char((char)random.Next(32, 127)),
                    'r' => OscValue.Rgba((uint)random.Next()),
                    'm' => OscValue.Midi((uint)random.Next()),
                    'T' => OscValue.Bool(true),
                    'F' => OscValue.Bool(false),
                    'N' => OscValue.Nil,
                    'I' => OscValue.Infinitum,
                    '[' => OscValue.ArrayBegin,
                    _ => OscValue.ArrayEnd,
                });
            }

            while (depth-- > 0)
            {
                arguments.Add(OscValue.ArrayEnd);
            }

            result[m] = new OscMessage(s_addresses[random.Next(s_addresses.Length)], arguments, time);
        }

        return result;
    }

    private static int Mutate(Random random, byte[] buffer, int length)
    {
        switch (random.Next(4))
        {
            case 0:
                for (int i = random.Next(1, 4); i > 0 && length > 0; i--)
                {
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                }

                return length;
            case 1:
                return random.Next(0, length + 1);
            case 2:
                {
                    int at = random.Next(0, length + 1);
                    int extra = Math.Min(random.Next(1, 9), buffer.Length - length);
                    Array.Copy(buffer, at, buffer, at + extra, length - at);
                    random.NextBytes(buffer.AsSpan(at, extra));
                    return length + extra;
                }

            default:
                {
                    // A bundle element size or a blob size pointing anywhere.
                    if (length >= 20)
                    {
                        int at = random.Next(0, (length / 4) - 1) * 4;
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(at), random.Next(3) switch { 0 => -random.Next(), 1 => random.Next(), _ => random.Next(0, 64) });
                    }

                    return length;
                }
        }
    }

    private static string RandomPattern(Random random)
    {
        const string pieces = "ab/*?[]{},!-";
        var chars = new char[random.Next(0, 40)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = pieces[random.Next(pieces.Length)];
        }

        return new string(chars);
    }

    private static bool SameMessages(OscMessage[] written, List<OscMessage> read, OscReadError error)
    {
        if (error != OscReadError.None || written.Length != read.Count)
        {
            return false;
        }

        for (int m = 0; m < written.Length; m++)
        {
            OscMessage a = written[m], b = read[m];
            if (a.Address != b.Address || a.Arguments.Count != b.Arguments.Count)
            {
                return false;
            }

            for (int i = 0; i < a.Arguments.Count; i++)
            {
                OscValue x = a.Arguments[i], y = b.Arguments[i];

                // A float32 written from a double reads back as that float.
                if (x.Tag != y.Tag || (x.Tag == 'f' ? !((float)x.AsDouble).Equals((float)y.AsDouble) : x.Tag == 'c' ? x.AsDouble != y.AsDouble : !x.Equals(y)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
