using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveEngine.Osc;

/// <summary>
/// An OSC server: UDP datagrams, and TCP connections with SLIP framing (OSC 1.1), on the same port. Each packet is
/// read with <see cref="OscPacketReader"/>; its messages go to the handler one at a time, in arrival order, with the
/// sender and the <see cref="Stopwatch"/> timestamp of their arrival. A malformed packet is counted and its error
/// kept in <see cref="LastError"/>; nothing a sender can send throws out of the receive loops. A handler that throws
/// is counted too (<see cref="HandlerFailures"/>) and the server goes on.
/// </summary>
/// <remarks>
/// Bound beyond loopback only with <c>allowRemote</c>: OSC has no authentication, so whoever reaches the port can
/// set variables and parameters. Threads: one UDP receive thread, one TCP accept thread and one per TCP connection
/// (at most <see cref="MaxConnections"/>); the handler runs under one lock, so it never runs twice at once.
/// </remarks>
public sealed class OscServer : IDisposable
{
    /// <summary>TCP connections served at once; more are closed as they arrive.</summary>
    public const int MaxConnections = 16;

    private readonly Socket _udp;
    private readonly TcpListener? _tcp;
    private readonly Thread _udpThread;
    private readonly Thread? _acceptThread;
    private readonly object _handlerGate = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Action<OscMessage, IPEndPoint, long> _handler;
    private volatile bool _stop;
    private long _packets, _messages, _malformed, _handlerFailures, _refusedConnections;
    private string? _lastError;

    /// <summary>Opens the server on <paramref name="bind"/> (UDP, and TCP on the same port when <paramref name="tcp"/>); port 0 picks a free one.</summary>
    public OscServer(IPEndPoint bind, Action<OscMessage, IPEndPoint, long> handler, bool tcp = true, bool allowRemote = false)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(handler);
        if (!IPAddress.IsLoopback(bind.Address) && !allowRemote)
        {
            throw new ArgumentException($"The OSC server would listen on {bind.Address}, which is not loopback, and OSC has no authentication: anyone who reaches the port could set variables and parameters. Bind 127.0.0.1, or set [osc] allow_remote = true on a network you trust.", nameof(bind));
        }

        _handler = handler;
        _udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 50 };
        _udp.Bind(bind);
        LocalEndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        if (tcp)
        {
            _tcp = new TcpListener(new IPEndPoint(bind.Address, LocalEndPoint.Port));
            try
            {
                _tcp.Start();
            }
            catch
            {
                _udp.Dispose();
                throw;
            }

            _acceptThread = new Thread(Accept) { IsBackground = true, Name = "osc-tcp-accept" };
            _acceptThread.Start();
        }

        _udpThread = new Thread(ReceiveUdp) { IsBackground = true, Name = "osc-udp" };
        _udpThread.Start();
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Packets received (datagrams and TCP frames), well-formed or not.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Messages handed to the handler.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Packets refused as malformed (and SLIP frames dropped).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages whose handler threw.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>TCP connections closed because <see cref="MaxConnections"/> were open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>The latest malformed packet's sender and error, in words; null if none.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Handles one packet from <paramref name="from"/> as the receive threads do (public for the fuzzer and tests).
    /// Never throws for any content.
    /// </summary>
    public void Handle(ReadOnlySpan<byte> packet, IPEndPoint from)
    {
        long arrival = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _packets);
        lock (_handlerGate)
        {
            List<OscMessage> messages = _scratch;
            messages.Clear();
            OscReadError error = OscPacketReader.TryRead(packet, messages);
            if (error != OscReadError.None)
            {
                Interlocked.Increment(ref _malformed);
                Volatile.Write(ref _lastError, $"OSC packet from {from} ({packet.Length} bytes) refused: {OscPacketReader.Describe(error)}.");
                return;
            }

            foreach (OscMessage message in messages)
            {
                Interlocked.Increment(ref _messages);
                try
                {
                    _handler(message, from, arrival);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _handlerFailures);
                    Volatile.Write(ref _lastError, $"OSC message {message.Address} from {from} failed: {e.Message}");
                }
            }

            messages.Clear();
        }
    }

    // Under _handlerGate.
    private readonly List<OscMessage> _scratch = [];

    private void ReceiveUdp()
    {
        byte[] buffer = new byte[65_536];
        EndPoint from = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop)
        {
            int length;
            try
            {
                length = _udp.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset or SocketError.Interrupted or SocketError.MessageSize)
            {
                if (e.SocketErrorCode == SocketError.MessageSize)
                {
                    Interlocked.Increment(ref _packets);
                    Interlocked.Increment(ref _malformed);
                    Volatile.Write(ref _lastError, $"OSC datagram refused: larger than {buffer.Length} bytes.");
                }

                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_stop)
            {
                return;
            }

            Handle(buffer.AsSpan(0, length), (IPEndPoint)from);
        }
    }

    private void Accept()
    {
        while (!_stop)
        {
            TcpClient client;
            try
            {
                client = _tcp!.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (_stop)
                {
                    return;
                }

                continue;
            }

            lock (_connections)
            {
                if (_connections.Count >= MaxConnections || _stop)
                {
                    Interlocked.Increment(ref _refusedConnections);
                    client.Dispose();
                    continue;
                }

                _connections.Add(client);
            }

            new Thread(() => Serve(client)) { IsBackground = true, Name = "osc-tcp" }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        var decoder = new OscSlipDecoder();
        long dropped = 0;
        IPEndPoint from = (IPEndPoint)client.Client.RemoteEndPoint!;
        byte[] buffer = new byte[16_384];
        OscFrameHandler onFrame = frame => Handle(frame, from);
        try
        {
            NetworkStream stream = client.GetStream();
            while (!_stop)
            {
                int read = stream.Read(buffer);
                if (read == 0)
                {
                    return;
                }

                decoder.Feed(buffer.AsSpan(0, read), onFrame);
                if (decoder.Dropped != dropped)
                {
                    Interlocked.Add(ref _packets, decoder.Dropped - dropped);
                    Interlocked.Add(ref _malformed, decoder.Dropped - dropped);
                    Volatile.Write(ref _lastError, $"OSC stream from {from}: a SLIP frame was dropped (longer than {OscPacketReader.MaxPacketBytes} bytes, or a bad escape).");
                    dropped = decoder.Dropped;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer went away or the server is stopping.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(client);
            }

            client.Dispose();
        }
    }

    public void Dispose()
    {
        _stop = true;
        _tcp?.Stop();
        _udp.Dispose();
        lock (_connections)
        {
            foreach (TcpClient c in _connections)
            {
                c.Dispose();
            }
        }

        _udpThread.Join(1000);
        _acceptThread?.Join(1000);
    }
}
