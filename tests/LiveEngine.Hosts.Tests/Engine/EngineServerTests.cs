using System.Buffers.Binary;
using System.Net.Sockets;
using LiveEngine.Commands;
using LiveEngine.Dsp;
using LiveEngine.Execution;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Live;
using LiveEngine.Tests.Hosts.Drivers;
using LiveEngine.Time;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>The protocol end to end over a real Unix domain socket, with the engine in this process on the null driver.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class EngineServerTests : IDisposable
{
    private readonly string _socketPath = EngineProcess.NewSocketPath();
    private readonly InProcessEngine _engine;
    private readonly EngineServer _server;

    public EngineServerTests()
    {
        var initial = new GraphDescription();
        initial.Add("out", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), initial, new LiveSessionOptions { MaxBlockFrames = 128 });
        _engine = new InProcessEngine(session, 128);
        _engine.StartDriver(DriverSpec.Null);
        _server = new EngineServer(_engine, _socketPath);
    }

    public void Dispose()
    {
        _server.Dispose();
        _engine.Dispose();
    }

    private static GraphDescription Sine(double freqHz)
    {
        var graph = new GraphDescription();
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = freqHz, ["level"] = 0.25 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        return graph;
    }

    [Fact]
    public void EveryRequest_GetsItsReply_WithTheEngineSideEffect()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "test");
        Assert.Equal(EngineProtocol.Version, client.Info.ProtocolVersion);
        Assert.Equal(48_000, client.Info.SampleRate);
        Assert.Equal(2, client.Info.OutputChannels);
        Assert.Equal("null", client.Info.Driver);
        Assert.Equal(Environment.ProcessId, client.Info.ProcessId);

        CommandReceipt first = client.Commit(Sine(440), Quantization.Now);
        CommandReceipt second = client.Commit(Sine(660), Quantization.NextBeat);
        Assert.Equal(first.CommitId + 1, second.CommitId);
        // At 120 BPM and 48 kHz a beat is 24,000 frames: the next beat is a multiple of it.
        Assert.Equal(0, second.Sample % 24_000);
        Assert.Equal(Sine(660).ToJson(), client.GetGraph().ToJson());

        long at = client.SetParameter("osc", "level", 0.5, Quantization.NextBar);
        Assert.Equal(0, at % 96_000);
        Assert.Equal(0.5, client.GetGraph().Nodes.Single(n => n.Id == "osc").Parameters["level"]);

        (long on, long off) = client.Trigger("osc", Quantization.NextBeat, Fraction.Create(1, 2), "level", 0.75, 0.125);
        Assert.Equal(12_000, off - on);

        client.SetVariable("cutoff", 1234.5);
        Assert.Equal(1234.5, _engine.Session.Variables.Get("cutoff"));

        long tempoAt = client.SetTempo(90, Quantization.NextBar, 3);
        EngineClock clock = client.GetClock();
        Assert.Equal([new TempoChange(tempoAt, 90, 3)], clock.Changes);
        TempoMap mirror = clock.ToTempoMap();
        foreach (long sample in new[] { 0L, tempoAt - 1, tempoAt, tempoAt + 12_345, tempoAt + 10_000_000 })
        {
            Assert.Equal(_engine.Session.Clock.BeatAt(sample), mirror.BeatAt(sample));
            Assert.Equal(_engine.Session.Clock.BarAt(sample), mirror.BarAt(sample));
        }

        Assert.True(client.TryUndo(Quantization.Now, out _));
        Assert.Equal(Sine(440).ToJson(), client.GetGraph().ToJson());
        Assert.True(client.TryUndo(Quantization.Now, out _));
        Assert.False(client.TryUndo(Quantization.Now, out long none));
        Assert.Equal(-1, none);

        EngineStats stats = client.GetStats();
        Assert.Equal("null", stats.Driver);
        Assert.True(stats.Callbacks > 0);
        Assert.True(stats.AllocatedBytes > 0);
        Assert.Contains(stats.DriverEvents, e => e.Message == "playing through null");
        Assert.Empty(stats.FaultedNodes);
    }

    [Fact]
    public void ValidationAndArgumentErrors_KeepTheEnginesText()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "test");
        GraphDescription bad = Sine(440);
        bad.Add("mystery", "no-such-type");
        var remote = Assert.Throws<EngineRequestException>(() => client.Commit(bad, Quantization.Now));
        var local = Assert.Throws<GraphValidationException>(() => _engine.Commit(bad, Quantization.Now));
        Assert.Equal(EngineErrorCode.Validation, remote.Code);
        Assert.Equal(local.Message, remote.Message);
        Assert.Contains("no-such-type", remote.Message);

        client.Commit(Sine(440), Quantization.Now);
        var unknownNode = Assert.Throws<EngineRequestException>(() => client.SetParameter("nope", "level", 1, Quantization.Now));
        Assert.Equal(EngineErrorCode.Argument, unknownNode.Code);
        Assert.StartsWith("No node 'nope' in the graph playing at sample ", unknownNode.Message);

        var unknownParameter = Assert.Throws<EngineRequestException>(() => client.SetParameter("osc", "cutoffHz", 1, Quantization.Now));
        Assert.StartsWith("Node 'osc' (type 'sine') has no parameter 'cutoffHz' (its parameters: freqHz, level).", unknownParameter.Message);

        var driver = Assert.Throws<EngineRequestException>(() => client.SwitchDriver(new DriverSpec("jack", "no-such-server-x")));
        Assert.Equal(EngineErrorCode.Driver, driver.Code);
        Assert.StartsWith("Could not start the jack driver: No JACK server named 'no-such-server-x' to connect to", driver.Message);
        Assert.EndsWith("The engine plays on the null driver.", driver.Message);
        Assert.Equal("null", client.GetStats().Driver);
    }

    [Fact]
    public void MalformedFrames_GetErrorReplies_AndTheEngineServesOn()
    {
        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            raw.Connect(new UnixDomainSocketEndPoint(_socketPath));

            (ushort type, uint id, EngineErrorCode code, string message) = Ask(raw, 99, 7, []);
            Assert.Equal((ushort)EngineMessage.Error, type);
            Assert.Equal(7u, id);
            Assert.Equal(EngineErrorCode.UnknownMessage, code);
            Assert.Equal("Unknown message type 99 (known: 1..22, see docs/engine-protocol.md).", message);

            // SetParameter cut short after the quantization and the node id: the parameter's length is missing.
            byte[] truncated = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, (byte)'o', (byte)'s', (byte)'c'];
            (_, id, code, message) = Ask(raw, (ushort)EngineMessage.SetParameter, 8, truncated);
            Assert.Equal(8u, id);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("The frame ends before the parameter name length (4 byte(s) needed, 0 left).", message);

            (_, _, code, message) = Ask(raw, (ushort)EngineMessage.Link, 11, [3]);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("Link's switch is 0 (status), 1 (on) or 2 (off), not 3.", message);

            (_, _, code, message) = Ask(raw, (ushort)EngineMessage.Transport, 12, [2]);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("Transport's switch is 0 (stop) or 1 (play), not 2.", message);

            (_, _, code, message) = Ask(raw, (ushort)EngineMessage.GetProfile, 13, [1, 0, 0, 0, 0]);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("GetProfile asks for 1..64 blocks, not 0.", message);

            (_, _, code, message) = Ask(raw, (ushort)EngineMessage.GetClock, 9, [1, 2, 3]);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("3 unexpected byte(s) after the payload of GetClock.", message);

            (_, _, code, message) = Ask(raw, (ushort)EngineMessage.Hello, 10, [1, 0, 0, 0, 2, 0, 0, 0, 0xC3, 0x28]);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("The client name is not valid UTF-8.", message);

            // A length that cannot be trusted: an error reply, then the connection is closed.
            raw.Send([2, 0, 0, 0]);
            (type, id, code, message) = ReadReply(raw);
            Assert.Equal(0u, id);
            Assert.Equal(EngineErrorCode.Malformed, code);
            Assert.Equal("A frame's length must be 6..16777216 bytes, not 2. Closing the connection.", message);
            Assert.Equal(0, raw.Receive(new byte[1]));
        }

        using EngineClient client = EngineClient.Connect(_socketPath, "after the garbage");
        Assert.Equal("null", client.GetStats().Driver);
        Assert.True(client.GetClock().Position > 0);
    }

    [Fact]
    public void ParameterChange_AllocatesNothing_NeitherInTheProtocolLayerNorInTheSession()
    {
        _engine.Commit(Sine(440), Quantization.Now);
        using var writer = new FrameWriter();
        var names = new StringTable();
        using var request = new FrameWriter();
        request.Begin((ushort)EngineMessage.SetParameter, 1);
        request.WriteQuantization(Quantization.Now);
        request.WriteString("osc");
        request.WriteString("level");
        request.WriteDouble(0.5);
        request.Finish();
        ReadOnlySpan<byte> payload = request.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..];
        for (int i = 0; i < 100; i++)
        {
            _server.Handle(EngineMessage.SetParameter, 1, payload, writer, names);
            _engine.SetParameter("osc", "level", 0.5, Quantization.Now);
        }

        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _server.Handle(EngineMessage.SetParameter, 1, payload, writer, names);
        }

        long throughProtocol = GC.GetAllocatedBytesForCurrentThread() - start;
        start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _engine.SetParameter("osc", "level", 0.5, Quantization.Now);
        }

        long direct = GC.GetAllocatedBytesForCurrentThread() - start;
        Assert.Equal(0x8000 | (ushort)EngineMessage.SetParameter, BinaryPrimitives.ReadUInt16LittleEndian(writer.Frame[4..]));
        Assert.Equal(0, direct);
        Assert.Equal(0, throughProtocol);
    }

    [Fact]
    public void GetScope_AnswersTheLatestOutputFrames_OfA440HzSine_AndAllocatesNothingInTheEngine()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "stage");
        client.Commit(Sine(440), Quantization.Now);
        long committedAt = client.GetClock().Position;
        var frames = new float[2048];
        int copied = 0;
        long written = 0;
        for (int attempt = 0; attempt < 200 && (copied < frames.Length || written < committedAt + 4096); attempt++)
        {
            Thread.Sleep(20);
            copied = client.GetScope(frames, out written);
        }

        Assert.Equal(frames.Length, copied);

        // Rising zero crossings: 2048 frames hold 18 periods of 440 Hz at 48 kHz (109.09 frames each).
        var crossings = new List<double>();
        for (int i = 1; i < copied; i++)
        {
            if (frames[i - 1] < 0 && frames[i] >= 0)
            {
                crossings.Add(i - 1 + (-frames[i - 1] / (frames[i] - frames[i - 1])));
            }
        }

        double period = (crossings[^1] - crossings[0]) / (crossings.Count - 1);
        Assert.InRange(48_000 / period, 439, 441);

        // The engine side of the request: the server answers from the tap into its frame writer, without allocating.
        using var writer = new FrameWriter();
        var names = new StringTable();
        using var request = new FrameWriter();
        request.Begin((ushort)EngineMessage.GetScope, 1);
        request.WriteInt32(2048);
        request.Finish();
        ReadOnlySpan<byte> payload = request.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..];
        for (int i = 0; i < 20; i++)
        {
            _server.Handle(EngineMessage.GetScope, 1, payload, writer, names);
        }

        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _server.Handle(EngineMessage.GetScope, 1, payload, writer, names);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - start);
        Assert.Equal(0x8000 | (ushort)EngineMessage.GetScope, BinaryPrimitives.ReadUInt16LittleEndian(writer.Frame[4..]));
    }

    [Fact]
    public void GetProbe_ShowsAPickedNodesOwnSignal_WhileTheOutputHoldsAnother_MetersEachNode_AndAllocatesNothingInTheEngine()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "stage");

        // "tone" (440 Hz) reaches the output muted; the output holds "other" (1000 Hz); "hush" is silent.
        var graph = new GraphDescription();
        graph.Add("tone", "sine", new Dictionary<string, double> { ["freqHz"] = 440, ["level"] = 0.5 });
        graph.Add("mute", "gain", new Dictionary<string, double> { ["level"] = 0 });
        graph.Add("other", "sine", new Dictionary<string, double> { ["freqHz"] = 1000, ["level"] = 0.5 });
        graph.Add("hush", "sine", new Dictionary<string, double> { ["freqHz"] = 300, ["level"] = 0 });
        graph.Add("out", "out", channels: 1);
        graph.Chain("tone", "mute", "out");
        graph.Connect("other", "out");
        graph.Connect("hush", "out");
        client.Commit(graph, Quantization.Now);
        var frames = new float[2048];
        ProbeReading reading = client.GetProbe("tone", metering: true, frames);
        for (int attempt = 0; attempt < 200 && reading.ScopeFrames < frames.Length; attempt++)
        {
            Thread.Sleep(20);
            reading = client.GetProbe("tone", metering: true, frames);
        }

        Assert.True(reading.ScopeNodeFound);
        Assert.Equal(frames.Length, reading.ScopeFrames);
        Assert.InRange(48_000 / Period(frames), 440 * 0.99, 440 * 1.01);
        var output = new float[2048];
        Assert.Equal(output.Length, client.GetScope(output, out _));
        Assert.InRange(48_000 / Period(output), 1000 * 0.99, 1000 * 1.01);

        Thread.Sleep(50);
        reading = client.GetProbe("tone", metering: true, frames);
        float PeakOf(string id) => reading.Peak[reading.NodeIds.ToList().IndexOf(id)];
        Assert.Equal(0f, PeakOf("hush"));
        Assert.Equal(0f, PeakOf("mute"));
        Assert.InRange(PeakOf("other"), 0.49f, 0.51f);
        Assert.InRange(PeakOf("tone"), 0.49f, 0.51f);
        Assert.InRange(reading.OutputPeak, 0.49f, 0.51f);

        // The engine side: the same node picked again, meters read, into the frame writer, without allocating.
        using var writer = new FrameWriter();
        var names = new StringTable();
        using var request = new FrameWriter();
        request.Begin((ushort)EngineMessage.GetProbe, 1);
        request.WriteString("tone");
        request.WriteByte(1);
        request.WriteInt32(2048);
        request.Finish();
        ReadOnlySpan<byte> payload = request.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..];
        for (int i = 0; i < 20; i++)
        {
            _server.Handle(EngineMessage.GetProbe, 1, payload, writer, names);
        }

        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _server.Handle(EngineMessage.GetProbe, 1, payload, writer, names);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - start);
        Assert.Equal(0x8000 | (ushort)EngineMessage.GetProbe, BinaryPrimitives.ReadUInt16LittleEndian(writer.Frame[4..]));
    }

    [Fact]
    public void GetProfile_SwitchesTheEnginesJobTimingOn_ReadsEachWorkersJobsAndTheNodesCosts_AndOffAgain()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "stage");
        client.Commit(Sine(440), Quantization.Now);
        TimelineReading reading = client.GetProfile(timing: true, 8);
        for (int attempt = 0; attempt < 200 && (reading.Blocks.Count < 8 || !reading.NodeCosts.Any(c => c.Node == "osc")); attempt++)
        {
            Thread.Sleep(20);
            reading = client.GetProfile(timing: true, 8);
        }

        Assert.Same(_engine.Timeline, _engine.Session.Renderer.Timeline);
        Assert.Equal(_engine.Session.Executor.Threads, reading.Workers);
        Assert.Equal(8, reading.Blocks.Count);
        Assert.All(reading.Blocks, b => Assert.Equal(b.Frames * 1e9 / 48_000, b.DeadlineNs, 6));

        // What the engine's own reading says, carried whole: the same jobs of the same blocks.
        TimelineReading local = _engine.Timeline.Read(_engine.Timeline.MaxReadBlocks);
        long last = reading.Blocks[^1].Block;
        Assert.Contains(local.Blocks, b => b.Block == last);
        Assert.Equal(
            local.Jobs.Where(j => j.Block == last).Select(j => (j.Worker, j.Label, j.Node, j.Critical)),
            reading.Jobs.Where(j => j.Block == last).Select(j => (j.Worker, j.Label, j.Node, j.Critical)));
        MeasuredNodeCost osc = reading.NodeCosts.Single(c => c.Node == "osc");
        Assert.True(osc.MeanNs > 0 && osc.MaxNs >= osc.MeanNs, $"osc: mean {osc.MeanNs} ns, max {osc.MaxNs} ns");
        Assert.Contains(reading.Jobs, j => j.Node == "pan" && j.Critical);

        // The engine side: the page's reads, into the frame writer, without allocating.
        using var writer = new FrameWriter(1 << 20);
        var names = new StringTable();
        using var request = new FrameWriter();
        request.Begin((ushort)EngineMessage.GetProfile, 1);
        request.WriteByte(1);
        request.WriteInt32(EngineServer.MaxProfileBlocks);
        request.Finish();
        ReadOnlySpan<byte> payload = request.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..];
        for (int i = 0; i < 20; i++)
        {
            _server.Handle(EngineMessage.GetProfile, 1, payload, writer, names);
        }

        // A span cannot enter the measured lambda: the request's payload is read from its frame there.
        SteadyAllocation.AssertNone("100 profile reads", () =>
        {
            for (int i = 0; i < 100; i++)
            {
                _server.Handle(EngineMessage.GetProfile, 1, request.Frame[(EngineProtocol.LengthBytes + EngineProtocol.HeaderBytes)..], writer, names);
                Thread.Sleep(1);
            }
        });
        Assert.Equal(0x8000 | (ushort)EngineMessage.GetProfile, BinaryPrimitives.ReadUInt16LittleEndian(writer.Frame[4..]));

        // Off: the renderer times nothing more.
        client.GetProfile(timing: false, 1);
        Assert.Null(_engine.Session.Renderer.Timeline);
        long recorded = _engine.Timeline.BlocksRecorded;
        Thread.Sleep(50);
        Assert.Equal(recorded, _engine.Timeline.BlocksRecorded);

        // A request for more blocks than the engine keeps is refused with the range.
        EngineRequestException refused = Assert.Throws<EngineRequestException>(() => client.GetProfile(timing: true, EngineServer.MaxProfileBlocks + 1));
        Assert.Contains("1..64 blocks", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transport_StopOverTheSocket_SilencesTheEngineAndHoldsItsClock_PlayResumes()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "test");
        client.Commit(Sine(440), Quantization.Now);
        long held = client.SetTransport(playing: false);
        Assert.False(_engine.Session.Renderer.Playing);
        Thread.Sleep(100);
        long position = client.GetClock().Position;
        Assert.InRange(position - held, 0, 128);
        var frames = new float[1024];
        Assert.Equal(frames.Length, client.GetScope(frames, out _));
        Assert.All(frames, x => Assert.Equal(0f, x));
        Thread.Sleep(50);
        Assert.Equal(position, client.GetClock().Position);

        Assert.Equal(position, client.SetTransport(playing: true));
        Assert.True(_engine.Session.Renderer.Playing);
        Thread.Sleep(100);
        Assert.True(client.GetClock().Position > position, "the clock did not resume");
        Assert.Equal(frames.Length, client.GetScope(frames, out _));
        Assert.True(frames.Max() > 0.1f, $"a peak of {frames.Max()} after play");
    }

    /// <summary>Frames per period, between the first and last rising zero crossings.</summary>
    private static double Period(float[] frames)
    {
        var crossings = new List<double>();
        for (int i = 1; i < frames.Length; i++)
        {
            if (frames[i - 1] < 0 && frames[i] >= 0)
            {
                crossings.Add(i - 1 + (-frames[i - 1] / (frames[i] - frames[i - 1])));
            }
        }

        return (crossings[^1] - crossings[0]) / (crossings.Count - 1);
    }

    [Fact]
    public void PatchAndUndo_TravelAsCommands_AndEveryCommitIsTimedInTheEngine()
    {
        using EngineClient client = EngineClient.Connect(_socketPath, "test");
        client.Commit(Sine(440), Quantization.Now);
        var patch = new GraphDescription();
        patch.Add("osc2", "sine", new Dictionary<string, double> { ["freqHz"] = 550 });
        patch.Add("out", "out");
        patch.Connect("osc2", "out");

        CommandReceipt patched = client.Patch(patch, Quantization.Now);

        GraphDescription graph = client.GetGraph();
        Assert.Equal(["osc", "pan", "out", "osc2"], graph.Nodes.Select(n => n.Id));
        Assert.Contains(graph.Edges, e => e.From == "osc2" && e.To == "out");
        CommandReceipt undone = client.Execute(new UndoCommand(Quantization.Now));
        Assert.True(undone.HasSample);
        Assert.Equal(patched.CommitId + 1, undone.CommitId);
        Assert.Equal(Sine(440).ToJson(), client.GetGraph().ToJson());

        EngineStats stats = client.GetStats();
        Assert.Equal(2, stats.Commits);
        Assert.True(stats.CommitP50Us > 0 && stats.CommitP50Us <= stats.CommitP99Us && stats.CommitP99Us <= stats.CommitMaxUs, $"p50 {stats.CommitP50Us}, p99 {stats.CommitP99Us}, max {stats.CommitMaxUs}");
    }

    [Fact]
    public void DocumentedExample_IsByteForByteWhatTheClientSends()
    {
        // docs/engine-protocol.md, "Example": SetParameter osc.level = 0.5 at the next bar, request id 5.
        byte[] documented = Convert.FromHexString(
            "33000000" + "0300" + "05000000" + "0200000000" + "0000000000000000" + "0100000000000000" +
            "03000000" + "6f7363" + "05000000" + "6c6576656c" + "000000000000e03f");
        using var writer = new FrameWriter();
        writer.Begin((ushort)EngineMessage.SetParameter, 5);
        writer.WriteQuantization(Quantization.NextBar);
        writer.WriteString("osc");
        writer.WriteString("level");
        writer.WriteDouble(0.5);
        writer.Finish();
        Assert.Equal(documented, writer.Frame.ToArray());
    }

    private static (ushort Type, uint Id, EngineErrorCode Code, string Message) Ask(Socket socket, ushort type, uint id, byte[] payload)
    {
        byte[] frame = new byte[10 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(6 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), type);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(6), id);
        payload.CopyTo(frame, 10);
        socket.Send(frame);
        return ReadReply(socket);
    }

    private static (ushort Type, uint Id, EngineErrorCode Code, string Message) ReadReply(Socket socket)
    {
        byte[] prefix = Receive(socket, 4);
        byte[] body = Receive(socket, (int)BinaryPrimitives.ReadUInt32LittleEndian(prefix));
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(body);
        uint id = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(2));
        var code = (EngineErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(6));
        int length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(8));
        return (type, id, code, System.Text.Encoding.UTF8.GetString(body, 12, length));
    }

    private static byte[] Receive(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int n = socket.Receive(buffer, done, count - done, SocketFlags.None);
            Assert.NotEqual(0, n);
            done += n;
        }

        return buffer;
    }
}
