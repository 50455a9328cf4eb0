using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Time;

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
    private readonly string _socketPath;
    private readonly Socket _listener;
    private readonly Thread _acceptThread;
    private readonly List<Socket> _connections = [];
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
        try
        {
            var reader = new FrameReader(payload);
            writer.Begin((ushort)((ushort)type | (ushort)EngineMessage.ReplyFlag), requestId);
            bool shutdown = Dispatch(type, ref reader, writer, names);
            writer.Finish();
            return shutdown;
        }
        catch (EngineProtocolException e)
        {
            WriteError(writer, requestId, EngineErrorCode.Malformed, e.Message);
        }
        catch (GraphValidationException e)
        {
            WriteError(writer, requestId, EngineErrorCode.Validation, e.Message);
        }
        catch (ArgumentException e)
        {
            WriteError(writer, requestId, EngineErrorCode.Argument, e.Message);
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
        catch (InvalidOperationException e)
        {
            WriteError(writer, requestId, EngineErrorCode.InvalidState, e.Message);
        }
        catch (Exception e)
        {
            WriteError(writer, requestId, EngineErrorCode.Internal, $"{e.GetType().Name}: {e.Message}");
        }

        return false;
    }

    private bool Dispatch(EngineMessage type, ref FrameReader reader, FrameWriter writer, StringTable names)
    {
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

            case EngineMessage.Commit:
                {
                    Quantization when = reader.ReadQuantization();
                    GraphDescription graph = GraphCodec.Read(ref reader, names);
                    reader.EnsureEnd(type);
                    CommitResult result = _engine.Commit(graph, when);
                    writer.WriteInt64(result.Id);
                    writer.WriteInt64(result.CommitSample);
                    return false;
                }

            case EngineMessage.SetParameter:
                {
                    Quantization when = reader.ReadQuantization();
                    string node = reader.ReadString("node id", names);
                    string parameter = reader.ReadString("parameter name", names);
                    double value = reader.ReadDouble("value");
                    reader.EnsureEnd(type);
                    writer.WriteInt64(_engine.SetParameter(node, parameter, value, when));
                    return false;
                }

            case EngineMessage.Trigger:
                {
                    Quantization when = reader.ReadQuantization();
                    string node = reader.ReadString("node id", names);
                    string parameter = reader.ReadString("parameter name", names);
                    Fraction length = reader.ReadFraction("length in beats");
                    double on = reader.ReadDouble("on value");
                    double off = reader.ReadDouble("off value");
                    reader.EnsureEnd(type);
                    (long onSample, long offSample) = _engine.Trigger(node, when, length, parameter, on, off);
                    writer.WriteInt64(onSample);
                    writer.WriteInt64(offSample);
                    return false;
                }

            case EngineMessage.SetTempo:
                {
                    Quantization when = reader.ReadQuantization();
                    Fraction bpm = reader.ReadFraction("tempo");
                    int beatsPerBar = reader.ReadInt32("beats per bar");
                    reader.EnsureEnd(type);
                    writer.WriteInt64(_engine.SetTempo(bpm, when, beatsPerBar == 0 ? null : beatsPerBar));
                    return false;
                }

            case EngineMessage.RampTempo:
                {
                    Quantization when = reader.ReadQuantization();
                    Fraction bpm = reader.ReadFraction("tempo");
                    Fraction length = reader.ReadFraction("length in beats");
                    reader.EnsureEnd(type);
                    (long sample, long lengthSamples) = _engine.RampTempo(bpm, length, when);
                    writer.WriteInt64(sample);
                    writer.WriteInt64(lengthSamples);
                    return false;
                }

            case EngineMessage.AdmitNodes:
                {
                    ReadOnlySpan<byte> image = reader.ReadBytes("assembly image");
                    ReadOnlySpan<byte> pdb = reader.ReadBytes("assembly PDB");
                    reader.EnsureEnd(type);
                    IReadOnlyList<string> admitted = _engine.AdmitNodes(image, pdb);
                    writer.WriteInt32(admitted.Count);
                    foreach (string name in admitted)
                    {
                        writer.WriteString(name);
                    }

                    return false;
                }

            case EngineMessage.LoadSample:
                {
                    string name = reader.ReadString("sample name");
                    int sampleRate = reader.ReadInt32("sample rate");
                    int channelCount = reader.ReadInt32("channel count");
                    if (channelCount is < 1 or > EngineProtocol.MaxSampleChannels)
                    {
                        throw new EngineProtocolException($"A sample has 1..{EngineProtocol.MaxSampleChannels} channels, not {channelCount}.");
                    }

                    var channels = new float[channelCount][];
                    for (int c = 0; c < channelCount; c++)
                    {
                        ReadOnlySpan<byte> bytes = reader.ReadBytes("sample channel");
                        if (bytes.Length % sizeof(float) != 0 || (c > 0 && bytes.Length != channels[0].Length * sizeof(float)))
                        {
                            throw new EngineProtocolException($"Sample channel {c + 1} has {bytes.Length} bytes: a whole number of floats, as many as channel 1.");
                        }

                        channels[c] = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                    }

                    reader.EnsureEnd(type);
                    _engine.LoadSample(name, channels, sampleRate);
                    return false;
                }

            case EngineMessage.Undo:
                {
                    Quantization when = reader.ReadQuantization();
                    reader.EnsureEnd(type);
                    long? sample = _engine.Undo(when);
                    writer.WriteByte(sample is null ? (byte)0 : (byte)1);
                    writer.WriteInt64(sample ?? -1);
                    return false;
                }

            case EngineMessage.SetVariable:
                {
                    string name = reader.ReadString("variable name", names);
                    double value = reader.ReadDouble("value");
                    reader.EnsureEnd(type);
                    _engine.SetVariable(name, value);
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

            default:
                throw new UnknownMessageException($"Unknown message type {(ushort)type} (known: 1..15, see docs/engine-protocol.md).");
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
    }

    private static void WriteError(FrameWriter writer, uint requestId, EngineErrorCode code, string message)
    {
        writer.Begin((ushort)EngineMessage.Error, requestId);
        writer.WriteUInt16((ushort)code);
        writer.WriteString(message);
        writer.Finish();
    }

    private sealed class VersionMismatchException(string message) : Exception(message);

    private sealed class UnknownMessageException(string message) : Exception(message);
}
