using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using LiveEngine.Commands;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Serves an <see cref="InProcessEngine"/> over a Unix domain socket with the engine protocol
/// (docs/engine-protocol.md): one thread per connection, each with its own pooled receive buffer, frame writer and
/// name table, so that a steady stream of parameter changes allocates nothing here. Every request gets a reply:
/// ok with its data, or an error code with the precise message. A malformed frame gets an error reply; a frame
/// whose length cannot be trusted also closes that connection (the stream cannot be resynchronised), and the
/// engine goes on serving everyone else. Front ends come and go; the engine keeps playing.
/// </summary>
public sealed class EngineServer : IDisposable
{
    private const int MaxConnections = 16;

    private readonly InProcessEngine _engine;

    /// <summary>The most blocks one GetProfile reads (a <see cref="Execution.JobTimeline"/> keeps twice as many).</summary>
    public const int MaxProfileBlocks = 64;

    /// <summary>The longest node id GetProbe takes, in UTF-8 bytes.</summary>
    private const int MaxProbeIdBytes = 256;
    private readonly string _socketPath;
    private readonly Socket _listener;
    private readonly Thread _acceptThread;
    private readonly List<Socket> _connections = [];

    // GetProfile's reusable copy of the engine's timeline: one request at a time uses it, whichever connection asks.
    private readonly Lock _profileGate = new();
    private Execution.TimelineCopy? _profile;
    private volatile bool _stopping;

    public EngineServer(InProcessEngine engine, string socketPath)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        _engine = engine;
        _socketPath = socketPath;
        RemoveStaleSocket(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(MaxConnections);
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "liveengine engine accept" };
        _acceptThread.Start();
    }

    /// <summary>Connections open now.</summary>
    public int Connections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
        lock (_connections)
        {
            foreach (Socket connection in _connections)
            {
                connection.Dispose();
            }
        }

        _acceptThread.Join(TimeSpan.FromSeconds(2));
        File.Delete(_socketPath);
    }

    /// <summary>A socket file left by an engine that died is removed; one that answers belongs to a running engine.</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new InvalidOperationException($"An engine is already listening on {path}.");
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                if (_connections.Count >= MaxConnections)
                {
                    connection.Dispose();
                    continue;
                }

                _connections.Add(connection);
            }

            new Thread(() => Serve(connection)) { IsBackground = true, Name = "liveengine engine connection" }.Start();
        }
    }

    private void Serve(Socket connection)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        using var writer = new FrameWriter();
        var names = new StringTable();
        try
        {
            while (!_stopping)
            {
                if (!ReceiveExactly(connection, buffer.AsSpan(0, EngineProtocol.LengthBytes)))
                {
                    return;
                }

                int length;
                try
                {
                    length = EngineProtocol.ReadLength(buffer);
                }
                catch (EngineProtocolException e)
                {
                    // The stream cannot be resynchronised after a length that cannot be trusted: answer, then close.
                    WriteError(writer, 0, EngineErrorCode.Malformed, e.Message + " Closing the connection.");
                    connection.Send(writer.Frame);
                    return;
                }

                if (length > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(length);
                }

                if (!ReceiveExactly(connection, buffer.AsSpan(0, length)))
                {
                    return;
                }

                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
                uint requestId = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(2));
                bool shutdown = Handle((EngineMessage)type, requestId, buffer.AsSpan(EngineProtocol.HeaderBytes, length - EngineProtocol.HeaderBytes), writer, names);
                connection.Send(writer.Frame);
                if ((EngineMessage)type == EngineMessage.Commit)
                {
                    // The graph after a crossfaded commit's fades, compiled once the front has its answer; it lands when
                    // the fades end, 20 ms on by default (LiveSessionOptions.DeferTransitionSwap).
                    _engine.CompleteTransition();
                }

                if (shutdown)
                {
                    _engine.Shutdown();
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The front went away (or the engine is stopping): the engine plays on.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_connections)
            {
                _connections.Remove(connection);
            }

            connection.Dispose();
        }
    }

    private static bool ReceiveExactly(Socket socket, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int received = socket.Receive(destination);
            if (received == 0)
            {
                return false;
            }

            destination = destination[received..];
        }

        return true;
    }

    /// <summary>Answers one request into <paramref name="writer"/>; true if it asked the engine to shut down.</summary>
    internal bool Handle(EngineMessage type, uint requestId, ReadOnlySpan<byte> payload, FrameWriter writer, StringTable names)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            var reader = new FrameReader(payload);
            writer.Begin((ushort)((ushort)type | (ushort)EngineMessage.ReplyFlag), requestId);
            bool shutdown = Dispatch(type, ref reader, writer, names);
            writer.Finish();
            if (type == EngineMessage.Commit)
            {
                _engine.CommitTimes.RecordSince(start);
            }

            return shutdown;
        }
        catch (EngineProtocolException e)
        {
            WriteError(writer, requestId, EngineErrorCode.Malformed, e.Message);
        }
        catch (DriverUnavailableException e)
        {
            WriteError(writer, requestId, EngineErrorCode.Driver, e.Message);
        }
        catch (VersionMismatchException e)
        {
            WriteError(writer, requestId, EngineErrorCode.VersionMismatch, e.Message);
        }
        catch (UnknownMessageException e)
        {
            WriteError(writer, requestId, EngineErrorCode.UnknownMessage, e.Message);
        }
        catch (Exception e)
        {
            // The session's refusals, in the one error model of commands; anything else is a bug, named.
            CommandErrorKind kind = CommandFailure.KindOf(e);
            WriteError(writer, requestId, (EngineErrorCode)kind, kind == CommandErrorKind.Internal ? $"{e.GetType().Name}: {e.Message}" : e.Message);
        }

        return false;
    }

    private bool Dispatch(EngineMessage type, ref FrameReader reader, FrameWriter writer, StringTable names)
    {
        // A command goes to the engine's session as its record, and its receipt back: nothing here knows what it means.
        var execute = new ExecuteCommand(_engine, writer);
        if (CommandCodec.TryRead(type, ref reader, names, ref execute))
        {
            return false;
        }

        switch (type)
        {
            case EngineMessage.Hello:
                {
                    uint version = reader.ReadUInt32("protocol version");
                    reader.ReadString("client name", names);
                    reader.EnsureEnd(type);
                    if (version != EngineProtocol.Version)
                    {
                        throw new VersionMismatchException($"The engine speaks protocol version {EngineProtocol.Version}, the client {version}.");
                    }

                    EngineInfo info = _engine.Info;
                    writer.WriteUInt32(info.ProtocolVersion);
                    writer.WriteInt32(info.SampleRate);
                    writer.WriteInt32(info.OutputChannels);
                    writer.WriteInt32(info.MaxBlockFrames);
                    writer.WriteInt64(info.Position);
                    writer.WriteString(info.Driver);
                    writer.WriteInt32(info.ProcessId);
                    return false;
                }

            case EngineMessage.GetClock:
                {
                    reader.EnsureEnd(type);
                    EngineClock clock = _engine.GetClock();
                    writer.WriteInt64(clock.Position);
                    writer.WriteInt32(clock.SampleRate);
                    writer.WriteFraction(clock.InitialBpm);
                    writer.WriteInt32(clock.InitialBeatsPerBar);
                    writer.WriteInt64(clock.Origin.Sample);
                    writer.WriteFraction(clock.Origin.Beat);
                    writer.WriteFraction(clock.Origin.Bar);
                    writer.WriteInt32(clock.Changes.Count);
                    foreach (TempoChange change in clock.Changes)
                    {
                        writer.WriteInt64(change.Sample);
                        writer.WriteFraction(change.Bpm);
                        writer.WriteInt32(change.BeatsPerBar);
                        writer.WriteInt64(change.RampSamples);
                    }

                    return false;
                }

            case EngineMessage.GetGraph:
                reader.EnsureEnd(type);
                GraphCodec.Write(writer, _engine.GetGraph());
                return false;

            case EngineMessage.GetStats:
                reader.EnsureEnd(type);
                WriteStats(writer, _engine.GetStats());
                return false;

            case EngineMessage.SwitchDriver:
                {
                    string kind = reader.ReadString("driver kind", names);
                    string server = reader.ReadString("JACK server", names);
                    string hostApi = reader.ReadString("host API", names);
                    string device = reader.ReadString("device", names);
                    reader.EnsureEnd(type);
                    writer.WriteString(_engine.SwitchDriver(new DriverSpec(kind, server, hostApi, device)));
                    return false;
                }

            case EngineMessage.Shutdown:
                reader.EnsureEnd(type);
                return true;

            case EngineMessage.GetScope:
                {
                    int asked = reader.ReadInt32("frame count");
                    reader.EnsureEnd(type);
                    if (asked < 1 || asked > OutputTap.MaxReadFrames)
                    {
                        throw new EngineProtocolException($"GetScope asks for 1..{OutputTap.MaxReadFrames} frames, not {asked}.");
                    }

                    // On the stack: the display's 30-60 requests a second allocate nothing in the engine process.
                    Span<float> frames = stackalloc float[OutputTap.MaxReadFrames];
                    int copied = _engine.GetScope(frames[..asked], out long written);
                    writer.WriteInt64(written);
                    writer.WriteInt32(copied);
                    for (int i = 0; i < copied; i++)
                    {
                        writer.WriteSingle(frames[i]);
                    }

                    return false;
                }

            case EngineMessage.GetProbe:
                {
                    ReadOnlySpan<byte> idBytes = reader.ReadBytes("scope node id");
                    bool metering = reader.ReadByte("metering") != 0;
                    int asked = reader.ReadInt32("frame count");
                    reader.EnsureEnd(type);
                    if (asked < 0 || asked > OutputTap.MaxReadFrames || idBytes.Length > MaxProbeIdBytes)
                    {
                        throw new EngineProtocolException($"GetProbe asks for 0..{OutputTap.MaxReadFrames} frames of a node id of at most {MaxProbeIdBytes} bytes, not {asked} frames of {idBytes.Length} bytes.");
                    }

                    // On the stack, and the id compared before it is made a string: a page's 30-60 requests a
                    // second allocate nothing in the engine process while the picked node stays the same.
                    NodeProbe probe = _engine.Probe;
                    Span<char> id = stackalloc char[MaxProbeIdBytes];
                    int chars = System.Text.Encoding.UTF8.GetChars(idBytes, id);
                    string? current = probe.ScopeNodeId;
                    if (chars == 0)
                    {
                        probe.ScopeNodeId = null;
                    }
                    else if (current is null || !id[..chars].SequenceEqual(current))
                    {
                        probe.ScopeNodeId = new string(id[..chars]);
                    }

                    probe.Metering = metering;
                    Snapshots.GraphSnapshot? snapshot = null;
                    Span<float> peak = stackalloc float[NodeProbe.MaxNodes];
                    Span<float> rms = stackalloc float[NodeProbe.MaxNodes];
                    (float Peak, float Rms) output = default;
                    int count = metering ? probe.ReadMeters(peak, rms, out output, out snapshot) : 0;
                    writer.WriteSingle(output.Peak);
                    writer.WriteSingle(output.Rms);
                    writer.WriteInt32(count);
                    for (int n = 0; n < count; n++)
                    {
                        writer.WriteString(snapshot!.NodeIds[n]);
                        writer.WriteSingle(peak[n]);
                        writer.WriteSingle(rms[n]);
                    }

                    snapshot ??= probe.MeteredSnapshot;
                    string? picked = probe.ScopeNodeId;
                    writer.WriteByte(picked is not null && snapshot?.IndexOfNode(picked) >= 0 ? (byte)1 : (byte)0);
                    Span<float> frames = stackalloc float[OutputTap.MaxReadFrames];
                    long written = probe.Scope.Written;
                    int copied = picked is null ? 0 : probe.CopyScope(frames[..asked], out written);
                    writer.WriteInt64(written);
                    writer.WriteInt32(copied);
                    for (int i = 0; i < copied; i++)
                    {
                        writer.WriteSingle(frames[i]);
                    }

                    return false;
                }

            case EngineMessage.Link:
                {
                    byte mode = reader.ReadByte("link switch");
                    reader.EnsureEnd(type);
                    if (mode > 2)
                    {
                        throw new EngineProtocolException($"Link's switch is 0 (status), 1 (on) or 2 (off), not {mode}.");
                    }

                    Link.LinkReport report = _engine.SetLink(mode switch { 1 => true, 2 => false, _ => null });
                    writer.WriteByte(report.Enabled ? (byte)1 : (byte)0);
                    writer.WriteInt64(report.Peers);
                    writer.WriteDouble(report.SessionTempo);
                    writer.WriteDouble(report.Phase);
                    writer.WriteDouble(report.Quantum);
                    writer.WriteString(report.Reason ?? "");
                    return false;
                }

            case EngineMessage.GetProfile:
                {
                    bool timing = reader.ReadByte("timing") != 0;
                    int blocks = reader.ReadInt32("block count");
                    reader.EnsureEnd(type);
                    if (blocks < 1 || blocks > MaxProfileBlocks)
                    {
                        throw new EngineProtocolException($"GetProfile asks for 1..{MaxProfileBlocks} blocks, not {blocks}.");
                    }

                    // Into the engine's reusable copy, and from it into the frame: a page's reads allocate nothing here.
                    lock (_profileGate)
                    {
                        _profile ??= new Execution.TimelineCopy(_engine.Timeline);
                        _engine.SwitchTiming(timing);
                        _profile.Read(blocks);
                        WriteProfile(writer, _profile);
                    }

                    return false;
                }

            default:
                throw new UnknownMessageException($"Unknown message type {(ushort)type} (known: 1..22, see docs/engine-protocol.md).");
        }
    }

    /// <summary>The blocks and jobs of a <see cref="Execution.TimelineCopy"/>, straight from it: nothing allocated.</summary>
    private static void WriteProfile(FrameWriter writer, Execution.TimelineCopy profile)
    {
        writer.WriteInt32(profile.Workers);
        writer.WriteInt32(profile.BlockCount);
        for (int b = 0; b < profile.BlockCount; b++)
        {
            Execution.BlockSpan block = profile.Block(b);
            writer.WriteInt64(block.Block);
            writer.WriteDouble(profile.Ns(block.Start));
            writer.WriteDouble(profile.Ns(block.End));
            writer.WriteInt32(block.Frames);
            writer.WriteDouble(block.Frames * 1e9 / profile.BlockSnapshot(b).SampleRate);
            writer.WriteByte(block.Serial ? (byte)1 : (byte)0);
        }

        writer.WriteInt32(profile.JobCount);
        for (int j = 0; j < profile.JobCount; j++)
        {
            Snapshots.GraphSnapshot snapshot = profile.BlockSnapshot(profile.JobBlock(j));
            Execution.JobSpan span = profile.Job(j);
            Snapshots.JobInfo job = snapshot.Jobs[span.Job];
            bool bank = job.Kind == Snapshots.JobKind.Bank;
            writer.WriteInt32(profile.JobWorker(j));
            writer.WriteInt64(span.Block);
            writer.WriteByte((byte)job.Kind);
            writer.WriteString(snapshot.NodeIds[job.NodeIndex]);
            writer.WriteInt32(span.Job);
            writer.WriteString(bank ? snapshot.Banks[job.BankIndex].Name : "");
            writer.WriteInt32(bank ? snapshot.Banks[job.BankIndex].LaneCount : 0);
            writer.WriteDouble(profile.Ns(span.Start));
            writer.WriteDouble(profile.Ns(span.End));
            writer.WriteByte(profile.JobCritical(j) ? (byte)1 : (byte)0);
        }
    }

    private static void WriteStats(FrameWriter writer, EngineStats stats)
    {
        writer.WriteInt64(stats.Position);
        writer.WriteString(stats.Driver);
        writer.WriteString(stats.RealTime);
        writer.WriteInt64(stats.Callbacks);
        writer.WriteInt64(stats.Xruns);
        writer.WriteInt64(stats.DeadlineMisses);
        writer.WriteDouble(stats.BlockP50Us);
        writer.WriteDouble(stats.BlockP99Us);
        writer.WriteDouble(stats.BlockMaxUs);
        writer.WriteInt64(stats.AudioThreadAllocatedBytes);
        writer.WriteInt64(stats.Gen0Collections);
        writer.WriteInt64(stats.Gen1Collections);
        writer.WriteInt64(stats.Gen2Collections);
        writer.WriteInt64(stats.GcPauseUs);
        writer.WriteInt64(stats.AllocatedBytes);
        writer.WriteInt32(stats.FaultedNodes.Count);
        foreach (string node in stats.FaultedNodes)
        {
            writer.WriteString(node);
        }

        writer.WriteInt32(stats.XrunLog.Count);
        foreach (XrunRecord xrun in stats.XrunLog)
        {
            writer.WriteByte((byte)xrun.Source);
            writer.WriteInt64(xrun.Sample);
            writer.WriteInt64(xrun.UnixTimeUs);
            writer.WriteInt32(xrun.StartLateUs);
            writer.WriteInt32(xrun.BlockUs);
        }

        writer.WriteInt32(stats.DriverEvents.Count);
        foreach (DriverEvent driverEvent in stats.DriverEvents)
        {
            writer.WriteInt64(driverEvent.Sample);
            writer.WriteInt64(driverEvent.UnixTimeUs);
            writer.WriteString(driverEvent.Message);
        }

        writer.WriteInt32(stats.WorkerBusySeconds.Count);
        foreach (double seconds in stats.WorkerBusySeconds)
        {
            writer.WriteDouble(seconds);
        }

        writer.WriteInt64(stats.Commits);
        writer.WriteDouble(stats.CommitP50Us);
        writer.WriteDouble(stats.CommitP99Us);
        writer.WriteDouble(stats.CommitMaxUs);
        writer.WriteString(stats.Admission);
        writer.WriteString(stats.Domains);
    }

    private static void WriteError(FrameWriter writer, uint requestId, EngineErrorCode code, string message)
    {
        writer.Begin((ushort)EngineMessage.Error, requestId);
        writer.WriteUInt16((ushort)code);
        writer.WriteString(message);
        writer.Finish();
    }

    /// <summary>Executes each command the codec reads on the engine and writes its receipt as the reply.</summary>
    private readonly struct ExecuteCommand(InProcessEngine engine, FrameWriter writer) : ICommandVisitor
    {
        public void Visit<TCommand>(in TCommand command)
            where TCommand : struct, ILiveCommand
        {
            CommandReceipt receipt = engine.Execute(command);
            CommandCodec.WriteReceipt(writer, command.Kind, receipt);
        }
    }

    private sealed class VersionMismatchException(string message) : Exception(message);

    private sealed class UnknownMessageException(string message) : Exception(message);
}
