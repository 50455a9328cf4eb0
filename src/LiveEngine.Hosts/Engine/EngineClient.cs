using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// The front's side of the engine protocol: starts an engine process (<see cref="Launch"/>) or attaches to a running
/// one (<see cref="Connect"/>), and sends requests one at a time (callers on several threads are serialised).
/// Disposing the client only closes the connection: the engine keeps playing, and a new front attaches to the same
/// socket and finds the same graph, still advancing. <see cref="Shutdown"/> stops the engine itself. An error reply
/// throws <see cref="EngineRequestException"/> with the engine's code and precise message.
/// </summary>
public sealed class EngineClient : IEngineControl
{
    private readonly object _gate = new();
    private readonly Socket _socket;
    private readonly FrameWriter _writer = new();
    private byte[] _receive = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private uint _nextRequest;
    private bool _disposed;
    private bool _broken;
    private TimeSpan _receiveTimeout;

    private EngineClient(Socket socket, Process? process)
    {
        _socket = socket;
        Process = process;
        Info = null!;
    }

    /// <summary>
    /// The runtime settings the engine process runs with, chosen by the soak (docs/audio.md): a larger gen-0
    /// budget so that commits of a large graph collect less often, and tiered compilation off (its tier-up
    /// suspends the runtime and allocates). Environment variables, because the same executable is also the front,
    /// which wants neither. <see cref="Launch"/> does not add them by itself: callers apply them with
    /// <see cref="ApplyEngineEnvironment"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> EngineEnvironment { get; } = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "0x10000000",
        ["DOTNET_TieredCompilation"] = "0",
    };

    /// <summary>Sets <see cref="EngineEnvironment"/> on <paramref name="start"/>, leaving variables the caller already set alone.</summary>
    public static void ApplyEngineEnvironment(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        foreach ((string name, string value) in EngineEnvironment)
        {
            start.Environment.TryAdd(name, value);
        }
    }

    /// <summary>
    /// How long a request waits for its reply before the client gives up on the engine (a hung engine must not hang
    /// the REPL): longer than any request takes, admission of a user node included.
    /// </summary>
    public static TimeSpan ReplyTimeout { get; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long <see cref="GetClock"/>, the front's heartbeat (<see cref="RemoteSession.Maintain"/> asks every
    /// 100 ms), waits for its reply: a live engine answers it at once, without waiting for a commit in progress, so
    /// an engine that does not answer within this is stopped (SIGSTOP) or hung, and the front replaces it.
    /// </summary>
    public static TimeSpan HeartbeatTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The engine process this client started, or null if it attached to a running one.</summary>
    public Process? Process { get; }

    public EngineInfo Info { get; private set; }

    /// <summary>Attaches to the engine listening on <paramref name="socketPath"/>, retrying until <paramref name="timeout"/> (an engine still starting).</summary>
    public static EngineClient Connect(string socketPath, string clientName = "front", TimeSpan? timeout = null) =>
        ConnectCore(socketPath, clientName, timeout ?? TimeSpan.Zero, null);

    /// <summary>
    /// Starts an engine process (e.g. <c>liveengine engine --socket PATH</c>, which must listen on
    /// <paramref name="socketPath"/>) and attaches to it once it listens. The process outlives this client, and
    /// inherits no descriptor of this process beyond 0–2 (<see cref="ChildProcessDescriptors"/>).
    /// </summary>
    public static EngineClient Launch(ProcessStartInfo start, string socketPath, string clientName = "front", TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(start);

        // The engine outlives this process: it must not hold the front's JACK or MIDI sockets open.
        ChildProcessDescriptors.MarkAllCloseOnExec();
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        try
        {
            return ConnectCore(socketPath, clientName, timeout ?? TimeSpan.FromSeconds(20), process);
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
            throw;
        }
    }

    /// <summary>Attaches to <paramref name="process"/>, an engine that this front started and that listens (or is about to) on <paramref name="socketPath"/>.</summary>
    internal static EngineClient Attach(Process process, string socketPath, string clientName, TimeSpan timeout) =>
        ConnectCore(socketPath, clientName, timeout, process);

    /// <summary>Sends <paramref name="command"/> as its message and waits for the receipt (or the engine's refusal).</summary>
    public CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        var type = (EngineMessage)command.Kind;
        lock (_gate)
        {
            CommandCodec.Write(Begin(type), command);
            FrameReader r = Send(type);
            CommandReceipt receipt = CommandCodec.ReadReceipt(command.Kind, ref r);
            r.EnsureEnd(type);
            return receipt;
        }
    }

    public EngineClock GetClock()
    {
        lock (_gate)
        {
            Begin(EngineMessage.GetClock);
            FrameReader r = Send(EngineMessage.GetClock);
            long position = r.ReadInt64("position");
            int sampleRate = r.ReadInt32("sample rate");
            Fraction bpm = r.ReadFraction("initial tempo");
            int beatsPerBar = r.ReadInt32("initial beats per bar");
            var origin = new TempoOrigin(r.ReadInt64("origin sample"), r.ReadFraction("origin beat"), r.ReadFraction("origin bar"));
            int count = r.ReadInt32("tempo change count");
            var changes = new List<TempoChange>();
            for (int i = 0; i < count; i++)
            {
                changes.Add(new TempoChange(r.ReadInt64("change sample"), r.ReadFraction("change tempo"), r.ReadInt32("change beats per bar"), r.ReadInt64("change ramp samples")));
            }

            r.EnsureEnd(EngineMessage.GetClock);
            return new EngineClock(position, sampleRate, bpm, beatsPerBar, changes) { Origin = origin };
        }
    }

    public GraphDescription GetGraph()
    {
        lock (_gate)
        {
            Begin(EngineMessage.GetGraph);
            FrameReader r = Send(EngineMessage.GetGraph);
            GraphDescription graph = GraphCodec.Read(ref r);
            r.EnsureEnd(EngineMessage.GetGraph);
            return graph;
        }
    }

    public Link.LinkReport SetLink(bool? enable)
    {
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.Link);
            w.WriteByte(enable switch { true => 1, false => 2, null => 0 });
            FrameReader r = Send(EngineMessage.Link);
            bool enabled = r.ReadByte("link on") != 0;
            long peers = r.ReadInt64("peers");
            double tempo = r.ReadDouble("session tempo");
            double phase = r.ReadDouble("phase");
            double quantum = r.ReadDouble("quantum");
            string reason = r.ReadString("reason");
            r.EnsureEnd(EngineMessage.Link);
            return new Link.LinkReport(enabled, peers, tempo, phase, quantum, reason.Length == 0 ? null : reason);
        }
    }

    public int GetScope(Span<float> destination, out long written)
    {
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.GetScope);
            w.WriteInt32(Math.Min(destination.Length, OutputTap.MaxReadFrames));
            FrameReader r = Send(EngineMessage.GetScope);
            written = r.ReadInt64("frames written");
            int frames = r.ReadInt32("frame count");
            if ((uint)frames > (uint)destination.Length)
            {
                throw new EngineProtocolException($"GetScope answered {frames} frames for {destination.Length} asked.");
            }

            for (int i = 0; i < frames; i++)
            {
                destination[i] = r.ReadSingle("frame");
            }

            r.EnsureEnd(EngineMessage.GetScope);
            return frames;
        }
    }

    public ProbeReading GetProbe(string? scopeNodeId, bool metering, Span<float> scope)
    {
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.GetProbe);
            w.WriteString(scopeNodeId ?? "");
            w.WriteByte(metering ? (byte)1 : (byte)0);
            w.WriteInt32(Math.Min(scope.Length, OutputTap.MaxReadFrames));
            FrameReader r = Send(EngineMessage.GetProbe);
            float outputPeak = r.ReadSingle("output peak");
            float outputRms = r.ReadSingle("output RMS");
            int count = r.ReadInt32("node count");
            if ((uint)count > NodeProbe.MaxNodes)
            {
                throw new EngineProtocolException($"GetProbe answered {count} nodes (at most {NodeProbe.MaxNodes}).");
            }

            var ids = new string[count];
            var peak = new float[count];
            var rms = new float[count];
            for (int n = 0; n < count; n++)
            {
                ids[n] = r.ReadString("node id");
                peak[n] = r.ReadSingle("peak");
                rms[n] = r.ReadSingle("RMS");
            }

            bool found = r.ReadByte("scope node found") != 0;
            long written = r.ReadInt64("frames written");
            int frames = r.ReadInt32("frame count");
            if ((uint)frames > (uint)scope.Length)
            {
                throw new EngineProtocolException($"GetProbe answered {frames} frames for {scope.Length} asked.");
            }

            for (int i = 0; i < frames; i++)
            {
                scope[i] = r.ReadSingle("frame");
            }

            r.EnsureEnd(EngineMessage.GetProbe);
            return new ProbeReading(ids, peak, rms, outputPeak, outputRms, found, frames, written);
        }
    }

    public Execution.TimelineReading GetProfile(bool timing, int blocks)
    {
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.GetProfile);
            w.WriteByte(timing ? (byte)1 : (byte)0);
            w.WriteInt32(blocks);
            FrameReader r = Send(EngineMessage.GetProfile);
            int workers = r.ReadInt32("workers");
            var spans = new Execution.TimelineBlock[Count(ref r, "block count", 1 + EngineServer.MaxProfileBlocks)];
            for (int b = 0; b < spans.Length; b++)
            {
                spans[b] = new Execution.TimelineBlock(r.ReadInt64("block"), r.ReadDouble("start"), r.ReadDouble("end"), r.ReadInt32("frames"), r.ReadDouble("deadline"), r.ReadByte("serial") != 0);
            }

            int count = Count(ref r, "job count", EngineProtocol.MaxFrameBytes / 40);
            var jobs = new List<Execution.TimelineJob>(count);
            for (int j = 0; j < count; j++)
            {
                int worker = r.ReadInt32("worker");
                long block = r.ReadInt64("block");
                byte kind = r.ReadByte("job kind");
                if (kind > (byte)Snapshots.JobKind.Bank)
                {
                    throw new EngineProtocolException($"GetProfile answered job kind {kind} (0..{(byte)Snapshots.JobKind.Bank}).");
                }

                string node = r.ReadString("node");
                int index = r.ReadInt32("job");
                string bank = r.ReadString("bank");
                int lanes = r.ReadInt32("lanes");
                var jobKind = (Snapshots.JobKind)kind;
                jobs.Add(new Execution.TimelineJob(
                    worker, block, Execution.TimelineReading.Label(jobKind, node, index, bank, lanes), Execution.TimelineReading.CostKey(jobKind, node, index, bank, lanes),
                    r.ReadDouble("start"), r.ReadDouble("end"), r.ReadByte("critical") != 0));
            }

            r.EnsureEnd(EngineMessage.GetProfile);

            // The cost table is the jobs' times summed here: the engine sends only what it recorded.
            return Execution.TimelineReading.FromJobs(workers, spans, jobs);
        }

        static int Count(ref FrameReader r, string what, int limit)
        {
            int count = r.ReadInt32(what);
            return (uint)count < (uint)limit ? count : throw new EngineProtocolException($"GetProfile answered {count} as its {what} (0..{limit - 1}).");
        }
    }

    public EngineStats GetStats()
    {
        lock (_gate)
        {
            Begin(EngineMessage.GetStats);
            FrameReader r = Send(EngineMessage.GetStats);
            long position = r.ReadInt64("position");
            string driver = r.ReadString("driver");
            string realTime = r.ReadString("real time");
            long callbacks = r.ReadInt64("callbacks");
            long xruns = r.ReadInt64("xruns");
            long misses = r.ReadInt64("deadline misses");
            double p50 = r.ReadDouble("p50");
            double p99 = r.ReadDouble("p99");
            double max = r.ReadDouble("max");
            long audioAllocated = r.ReadInt64("audio thread allocated bytes");
            long gen0 = r.ReadInt64("gen0");
            long gen1 = r.ReadInt64("gen1");
            long gen2 = r.ReadInt64("gen2");
            long pause = r.ReadInt64("GC pause");
            long allocated = r.ReadInt64("allocated bytes");
            var faulted = new List<string>();
            for (int i = r.ReadInt32("faulted node count"); i > 0; i--)
            {
                faulted.Add(r.ReadString("faulted node"));
            }

            var xrunLog = new List<XrunRecord>();
            for (int i = r.ReadInt32("xrun count"); i > 0; i--)
            {
                xrunLog.Add(new XrunRecord((XrunSource)r.ReadByte("xrun source"), r.ReadInt64("xrun sample"), r.ReadInt64("xrun time"), r.ReadInt32("xrun start lateness"), r.ReadInt32("xrun block time")));
            }

            var events = new List<DriverEvent>();
            for (int i = r.ReadInt32("driver event count"); i > 0; i--)
            {
                events.Add(new DriverEvent(r.ReadInt64("event sample"), r.ReadInt64("event time"), r.ReadString("event message")));
            }

            var busy = new List<double>();
            for (int i = r.ReadInt32("worker count"); i > 0; i--)
            {
                busy.Add(r.ReadDouble("worker busy seconds"));
            }

            long commits = r.ReadInt64("commits");
            double commitP50 = r.ReadDouble("commit p50");
            double commitP99 = r.ReadDouble("commit p99");
            double commitMax = r.ReadDouble("commit max");
            string admission = r.ReadString("admission");
            string domains = r.ReadString("domains");

            r.EnsureEnd(EngineMessage.GetStats);
            return new EngineStats
            {
                Position = position,
                Driver = driver,
                RealTime = realTime,
                Callbacks = callbacks,
                Xruns = xruns,
                DeadlineMisses = misses,
                BlockP50Us = p50,
                BlockP99Us = p99,
                BlockMaxUs = max,
                AudioThreadAllocatedBytes = audioAllocated,
                Gen0Collections = gen0,
                Gen1Collections = gen1,
                Gen2Collections = gen2,
                GcPauseUs = pause,
                AllocatedBytes = allocated,
                FaultedNodes = faulted,
                XrunLog = xrunLog,
                DriverEvents = events,
                WorkerBusySeconds = busy,
                Commits = commits,
                CommitP50Us = commitP50,
                CommitP99Us = commitP99,
                CommitMaxUs = commitMax,
                Admission = admission,
                Domains = domains,
            };
        }
    }

    public string SwitchDriver(DriverSpec driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.SwitchDriver);
            w.WriteString(driver.Kind);
            w.WriteString(driver.JackServer ?? "");
            w.WriteString(driver.HostApi ?? "");
            w.WriteString(driver.Device ?? "");
            FrameReader r = Send(EngineMessage.SwitchDriver);
            string name = r.ReadString("driver");
            r.EnsureEnd(EngineMessage.SwitchDriver);
            return name;
        }
    }

    public void Shutdown()
    {
        lock (_gate)
        {
            Begin(EngineMessage.Shutdown);
            Send(EngineMessage.Shutdown).EnsureEnd(EngineMessage.Shutdown);
        }

        if (Process is not null && !Process.WaitForExit(10_000))
        {
            throw new InvalidOperationException($"The engine process {Process.Id} did not exit within 10 s of the shutdown request.");
        }
    }

    /// <summary>Closes the connection; the engine keeps playing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _socket.Dispose();
            _writer.Dispose();
            ArrayPool<byte>.Shared.Return(_receive);
            _receive = [];
        }
    }

    private static EngineClient ConnectCore(string socketPath, string clientName, TimeSpan timeout, Process? process)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                if (process is { HasExited: true })
                {
                    throw new InvalidOperationException($"The engine process exited with code {process.ExitCode} before listening on {socketPath}.");
                }

                if (clock.Elapsed >= timeout)
                {
                    throw new InvalidOperationException($"No engine listens on {socketPath} ({e.SocketErrorCode}).");
                }

                // Short: a successor taking over binds within milliseconds of being told to.
                Thread.Sleep(5);
                continue;
            }

            var client = new EngineClient(socket, process);
            try
            {
                client.Info = client.Hello(clientName);
            }
            catch
            {
                client.Dispose();
                throw;
            }

            return client;
        }
    }

    private EngineInfo Hello(string clientName)
    {
        lock (_gate)
        {
            FrameWriter w = Begin(EngineMessage.Hello);
            w.WriteUInt32(EngineProtocol.Version);
            w.WriteString(clientName);
            FrameReader r = Send(EngineMessage.Hello);
            var info = new EngineInfo(
                r.ReadUInt32("protocol version"),
                r.ReadInt32("sample rate"),
                r.ReadInt32("output channels"),
                r.ReadInt32("max block frames"),
                r.ReadInt64("position"),
                r.ReadString("driver"),
                r.ReadInt32("process id"));
            r.EnsureEnd(EngineMessage.Hello);
            return info;
        }
    }

    private FrameWriter Begin(EngineMessage type)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
        {
            throw new EngineConnectionLostException("The connection to the engine was closed after it stopped answering.");
        }

        _writer.Begin((ushort)type, ++_nextRequest);
        return _writer;
    }

    /// <summary>Sends the frame being written and reads the reply's payload (valid until the next request).</summary>
    private FrameReader Send(EngineMessage type)
    {
        _writer.Finish();
        TimeSpan timeout = type == EngineMessage.GetClock ? HeartbeatTimeout : ReplyTimeout;
        if (timeout != _receiveTimeout)
        {
            _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            _receiveTimeout = timeout;
        }

        _socket.Send(_writer.Frame);
        ReceiveExactly(_receive.AsSpan(0, EngineProtocol.LengthBytes));
        int length = EngineProtocol.ReadLength(_receive);
        if (length > _receive.Length)
        {
            ArrayPool<byte>.Shared.Return(_receive);
            _receive = ArrayPool<byte>.Shared.Rent(length);
        }

        ReceiveExactly(_receive.AsSpan(0, length));
        var replyType = (EngineMessage)BinaryPrimitives.ReadUInt16LittleEndian(_receive);
        uint requestId = BinaryPrimitives.ReadUInt32LittleEndian(_receive.AsSpan(2));
        var reader = new FrameReader(_receive.AsSpan(EngineProtocol.HeaderBytes, length - EngineProtocol.HeaderBytes));
        if (requestId != _nextRequest)
        {
            throw new EngineProtocolException($"The reply answers request {requestId}, not {_nextRequest}.");
        }

        if (replyType == EngineMessage.Error)
        {
            var code = (EngineErrorCode)reader.ReadUInt16("error code");
            throw new EngineRequestException(code, reader.ReadString("error message"));
        }

        if (replyType != (type | EngineMessage.ReplyFlag))
        {
            throw new EngineProtocolException($"Expected the reply to {type}, got message type 0x{(ushort)replyType:x4}.");
        }

        return reader;
    }

    private void ReceiveExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int received;
            try
            {
                received = _socket.Receive(destination);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // A late reply would answer the wrong request: this connection cannot be trusted any more.
                _broken = true;
                _socket.Dispose();
                throw new EngineConnectionLostException($"The engine did not answer within {_receiveTimeout.TotalSeconds:0.#} s; the connection is closed.");
            }

            if (received == 0)
            {
                throw new EngineConnectionLostException("The engine closed the connection.");
            }

            destination = destination[received..];
        }
    }
}
