using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// The engine as a Network MIDI 2.0 host endpoint (M2-124-UM v1.0) on UDP: clients invite themselves (with
/// shared-secret authentication when the host has a secret, which it must have beyond loopback), ping, send UMP Data with sequence numbers, ask for or answer retransmission, reset the session and
/// say bye; <see cref="Send"/> sends UMP to every session, answering retransmit requests from a history. Received UMP goes to <see cref="MessageReceived"/> in order (a <see cref="Control.MidiControl"/> is the
/// usual handler). A receive thread owns the socket's input; malformed datagrams are counted (and NAKed where the
/// sender can be told), never thrown out of the loop. mDNS advertisement is not implemented: clients need the port.
/// </summary>
public sealed class NetMidiHost : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private readonly object _gate = new();
    private readonly Dictionary<IPEndPoint, Session> _sessions = [];
    private readonly byte[] _send = new byte[1500];
    private readonly string _name;
    private readonly string _productInstanceId;
    private readonly string? _secret;
    private readonly Dictionary<IPEndPoint, PendingAuthentication> _pending = [];
    private volatile bool _stop;

    /// <summary>Wrong digests one invitation may send before the host says bye.</summary>
    private const int MaxAuthenticationAttempts = 3;

    /// <summary>Invitations that may wait for their digest at once.</summary>
    private const int MaxPendingAuthentications = 256;

    /// <summary>
    /// Opens the host on <paramref name="bind"/> (loopback, a free port, by default). With
    /// <paramref name="sharedSecret"/>, every client must authenticate with it (M2-124-UM 6.7, 6.9); bound beyond
    /// loopback the host refuses to start without one (<see cref="ArgumentException"/>), since anyone who can reach
    /// the port could otherwise play the engine.
    /// </summary>
    public NetMidiHost(Action<UmpMessage> messageReceived, IPEndPoint? bind = null, string endpointName = "LiveEngine", string productInstanceId = "liveengine-host", string? sharedSecret = null)
        : this(Discarding(messageReceived), bind, endpointName, productInstanceId, sharedSecret)
    {
    }

    /// <summary>
    /// As the other constructor, with each message's arrival time: the <see cref="Stopwatch"/> timestamp at which the
    /// receive thread took its datagram from the socket (data held back for a retransmitted gap carry the arrival of
    /// the datagram that released them). A <see cref="Control.MidiControl"/> passes it on to the engine, which maps it
    /// to a sample with a constant latency (docs/midi.md, "Timing").
    /// </summary>
    public NetMidiHost(Action<UmpMessage, long> messageReceived, IPEndPoint? bind = null, string endpointName = "LiveEngine", string productInstanceId = "liveengine-host", string? sharedSecret = null)
    {
        ArgumentNullException.ThrowIfNull(messageReceived);
        bind ??= new IPEndPoint(IPAddress.Loopback, 0);
        if (!IPAddress.IsLoopback(bind.Address) && string.IsNullOrEmpty(sharedSecret))
        {
            throw new ArgumentException($"The Network MIDI 2.0 host would listen on {bind.Address}, which is not loopback, without authentication: set a shared secret ([midi] network_secret in repl.config) that your controllers send, or bind 127.0.0.1.", nameof(sharedSecret));
        }

        MessageReceived = messageReceived;
        _name = endpointName;
        _productInstanceId = productInstanceId;
        _secret = string.IsNullOrEmpty(sharedSecret) ? null : sharedSecret;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 20 };
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "netmidi2-host" };
        _receiver.Start();
    }

    /// <summary>Where received UMP goes, with its arrival timestamp (receive thread).</summary>
    public Action<UmpMessage, long> MessageReceived { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>How long a gap waits for retransmission before it is given up.</summary>
    public TimeSpan RetransmitTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    public long Datagrams => Interlocked.Read(ref _datagrams);

    /// <summary>Datagrams or command packets that could not be parsed (no signature, truncated, wrong sizes).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long UmpMessages => Interlocked.Read(ref _umpMessages);

    public long NaksSent => Interlocked.Read(ref _naksSent);

    public long RetransmitRequestsSent => Interlocked.Read(ref _retransmitRequests);

    public long PingsAnswered => Interlocked.Read(ref _pings);

    /// <summary>Whether clients must authenticate with the shared secret.</summary>
    public bool RequiresAuthentication => _secret is not null;

    /// <summary>Invitations refused: a wrong digest, or a client that cannot authenticate.</summary>
    public long AuthenticationFailures => Interlocked.Read(ref _authenticationFailures);

    /// <summary>Gaps filled by retransmitted UMP Data.</summary>
    public long Recovered { get { lock (_gate) { return _recoveredClosed + _sessions.Values.Sum(s => s.Sequence.Recovered); } } }

    /// <summary>UMP Data commands given up as lost.</summary>
    public long Lost { get { lock (_gate) { return _lostClosed + _sessions.Values.Sum(s => s.Sequence.Lost); } } }

    public int SessionCount { get { lock (_gate) { return _sessions.Count; } } }

    /// <summary>Names of the clients with an open session.</summary>
    public IReadOnlyList<string> SessionNames { get { lock (_gate) { return [.. _sessions.Values.Select(s => s.Name)]; } } }

    // Receive thread: when the datagram being handled arrived.
    private long _arrival;

    private static Action<UmpMessage, long> Discarding(Action<UmpMessage> messageReceived)
    {
        ArgumentNullException.ThrowIfNull(messageReceived);
        return (message, _) => messageReceived(message);
    }

    private long _datagrams, _malformed, _umpMessages, _naksSent, _retransmitRequests, _pings, _recoveredClosed, _lostClosed, _authenticationFailures;

    private void Receive()
    {
        byte[] buffer = new byte[65536];
        EndPoint from = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset or SocketError.Interrupted)
            {
                CheckTimeouts();
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Handle(buffer.AsSpan(0, length), (IPEndPoint)from);
            CheckTimeouts();
        }
    }

    /// <summary>
    /// Processes one datagram from <paramref name="from"/> as the receive thread does (public for the fuzzer and
    /// tests). Never throws for any content.
    /// </summary>
    public void Handle(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        _arrival = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _datagrams);
        var reader = new NetMidiPacketReader(datagram);
        if (!reader.HasSignature)
        {
            Interlocked.Increment(ref _malformed);
            return;
        }

        lock (_gate)
        {
            while (true)
            {
                NetMidiReadResult result = reader.TryReadNext(out NetMidiCommand command);
                if (result == NetMidiReadResult.End)
                {
                    return;
                }

                if (result == NetMidiReadResult.Malformed)
                {
                    Interlocked.Increment(ref _malformed);
                    Nak(from, NetMidiNakReason.CommandMalformed, reader.LastHeader);
                    return;
                }

                HandleCommand(command, from);
            }
        }
    }

    private void HandleCommand(NetMidiCommand command, IPEndPoint from)
    {
        _sessions.TryGetValue(from, out Session? session);
        switch (command.Command)
        {
            case NetMidiCommandCode.Invitation:
                {
                    int nameWords = command.Specific >> 8;
                    if (nameWords > command.PayloadWords)
                    {
                        Interlocked.Increment(ref _malformed);
                        Nak(from, NetMidiNakReason.CommandMalformed, command.Header);
                        return;
                    }

                    string name = Text(command.Payload[..(4 * nameWords)]);
                    if (_secret is null)
                    {
                        Open(from, session, name);
                        return;
                    }

                    if ((command.Specific & NetMidiAuthentication.CapabilityAuthentication) == 0)
                    {
                        // The client cannot answer a challenge (M2-124-UM 6.4: capability bit 0).
                        Interlocked.Increment(ref _authenticationFailures);
                        Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.Bye, (ushort)((int)NetMidiByeReason.NoMatchingAuthenticationMethod << 8)));
                        return;
                    }

                    if (_pending.Count >= MaxPendingAuthentications)
                    {
                        // Invitations from many (perhaps forged) addresses must not grow the table without bound.
                        _pending.Clear();
                    }

                    var pending = new PendingAuthentication(name);
                    _pending[from] = pending;
                    Challenge(from, pending, NetMidiAuthentication.StateFirstRequest);
                    return;
                }

            case NetMidiCommandCode.InvitationWithAuthentication:
                {
                    if (_secret is null || !_pending.TryGetValue(from, out PendingAuthentication? pending))
                    {
                        Nak(from, NetMidiNakReason.CommandNotExpected, command.Header);
                        return;
                    }

                    if (command.PayloadWords < NetMidiAuthentication.DigestBytes / 4)
                    {
                        Interlocked.Increment(ref _malformed);
                        Nak(from, NetMidiNakReason.CommandMalformed, command.Header);
                        return;
                    }

                    byte[] expected = NetMidiAuthentication.Digest(pending.Nonce, _secret);
                    if (System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, command.Payload[..NetMidiAuthentication.DigestBytes]))
                    {
                        _pending.Remove(from);
                        Open(from, session, pending.Name);
                        return;
                    }

                    Interlocked.Increment(ref _authenticationFailures);
                    if (++pending.Failures >= MaxAuthenticationAttempts)
                    {
                        _pending.Remove(from);
                        Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.Bye, (ushort)((int)NetMidiByeReason.AuthenticationFailed << 8)));
                        return;
                    }

                    // A fresh nonce for the next try (M2-124-UM 6.7: authentication state "incorrect digest").
                    pending.Nonce = NetMidiAuthentication.NewNonce();
                    Challenge(from, pending, NetMidiAuthentication.StateIncorrectDigest);
                    return;
                }

            case NetMidiCommandCode.Ping:
                if (command.PayloadWords != 1)
                {
                    Interlocked.Increment(ref _malformed);
                    Nak(from, NetMidiNakReason.CommandMalformed, command.Header);
                    return;
                }

                uint id = command.Word(0);
                Interlocked.Increment(ref _pings);
                Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.PingReply, 0, [id]));
                return;

            case NetMidiCommandCode.UmpData:
                if (session is null)
                {
                    Nak(from, NetMidiNakReason.CommandNotExpected, command.Header);
                    return;
                }

                UmpData(session, command, from);
                return;

            case NetMidiCommandCode.RetransmitError:
                session?.Sequence.GiveUp(Deliver);
                return;

            case NetMidiCommandCode.RetransmitRequest:
                if (session is not null && command.PayloadWords >= 1)
                {
                    Retransmit(session, from, command.Specific, (ushort)(command.Word(0) >> 16));
                }

                return;

            case NetMidiCommandCode.SessionReset:
                if (session is null)
                {
                    Nak(from, NetMidiNakReason.CommandNotExpected, command.Header);
                    return;
                }

                session.Sequence.Reset();
                session.NextSequence = 0;
                session.History.Clear();
                Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.SessionResetReply, 0));
                return;

            case NetMidiCommandCode.Bye:
                _pending.Remove(from);
                if (session is not null)
                {
                    Retire(session);
                    _sessions.Remove(from);
                }

                Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.ByeReply, 0));
                return;

            case NetMidiCommandCode.PingReply or NetMidiCommandCode.ByeReply or NetMidiCommandCode.SessionResetReply or NetMidiCommandCode.Nak:
                return;

            case NetMidiCommandCode.InvitationWithUserAuthentication:
                Nak(from, NetMidiNakReason.CommandNotExpected, command.Header);
                return;

            default:
                Nak(from, NetMidiNakReason.CommandNotSupported, command.Header);
                return;
        }
    }

    private void Open(IPEndPoint from, Session? previous, string name)
    {
        if (previous is not null)
        {
            Retire(previous);
        }

        _sessions[from] = new Session(name);
        Reply(from, (ref NetMidiPacketWriter w) => w.Invitation(NetMidiCommandCode.InvitationReplyAccepted, _name, _productInstanceId));
    }

    private void Challenge(IPEndPoint to, PendingAuthentication pending, byte state)
    {
        byte[] nonce = pending.Nonce;
        Reply(to, (ref NetMidiPacketWriter w) => w.InvitationReplyAuthenticationRequired(state, nonce, _name, _productInstanceId));
    }

    private void UmpData(Session session, NetMidiCommand command, IPEndPoint from)
    {
        // Split the payload into whole UMP packets first: a command whose words do not make whole packets is malformed.
        Span<uint> words = stackalloc uint[255];
        int count = command.PayloadWords;
        for (int i = 0; i < count; i++)
        {
            words[i] = command.Word(i);
        }

        int messages = 0;
        for (int at = 0; at < count; at += UmpMessage.WordsForMessageType((int)(words[at] >> 28)))
        {
            if (at + UmpMessage.WordsForMessageType((int)(words[at] >> 28)) > count)
            {
                Interlocked.Increment(ref _malformed);
                Nak(from, NetMidiNakReason.CommandMalformed, command.Header);
                return;
            }

            messages++;
        }

        var decoded = new List<UmpMessage>(messages);
        for (int at = 0; at < count;)
        {
            UmpReadResult result = UmpMessage.TryRead(words[at..count], out UmpMessage message, out int consumed);
            if (result == UmpReadResult.Ok)
            {
                decoded.Add(message);
            }
            else if (result == UmpReadResult.Invalid)
            {
                Interlocked.Increment(ref _malformed);
            }

            at += consumed;
        }

        (ushort First, ushort Count)? request = session.Sequence.Accept(command.Specific, [.. decoded], Stopwatch.GetTimestamp(), Deliver);
        if (request is { } r)
        {
            Interlocked.Increment(ref _retransmitRequests);
            Reply(from, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.RetransmitRequest, r.First, [(uint)r.Count << 16]));
        }
    }

    private void Deliver(UmpMessage message)
    {
        Interlocked.Increment(ref _umpMessages);
        try
        {
            MessageReceived(message, _arrival);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler's failure must not stop the session; it is reported as state.
            LastHandlerError = e.Message;
        }
    }

    /// <summary>The message of the last exception a <see cref="MessageReceived"/> handler threw.</summary>
    public string? LastHandlerError { get; private set; }

    private void CheckTimeouts()
    {
        long now = Stopwatch.GetTimestamp();
        long timeout = (long)(RetransmitTimeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            foreach (Session session in _sessions.Values)
            {
                session.Sequence.GiveUpIfStale(now, timeout, Deliver);
            }
        }
    }

    private void Retire(Session session)
    {
        _recoveredClosed += session.Sequence.Recovered;
        _lostClosed += session.Sequence.Lost;
    }

    private void Nak(IPEndPoint to, NetMidiNakReason reason, uint header)
    {
        Interlocked.Increment(ref _naksSent);
        Reply(to, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.Nak, (ushort)((int)reason << 8), [header]));
    }

    private delegate void WriteReply(ref NetMidiPacketWriter writer);

    private void Reply(IPEndPoint to, WriteReply write)
    {
        var writer = new NetMidiPacketWriter(_send);
        write(ref writer);
        try
        {
            _socket.SendTo(_send.AsSpan(0, writer.Length), SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // An unreachable client is its own problem; the session times out or says bye.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string Text(ReadOnlySpan<byte> padded)
    {
        int end = padded.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? padded : padded[..end]);
    }

    public void Dispose()
    {
        if (_stop)
        {
            return;
        }

        _stop = true;
        _receiver.Join();
        _socket.Dispose();
    }

    /// <summary>
    /// Sends <paramref name="message"/> to every client with an open session, as UMP Data with that session's next
    /// sequence number (clock out, feedback to controllers). Kept in the session's history for retransmission.
    /// </summary>
    public void Send(in UmpMessage message)
    {
        lock (_gate)
        {
            foreach ((IPEndPoint to, Session session) in _sessions)
            {
                ushort sequence = session.NextSequence++;
                session.History.Record(sequence, message);
                if (DropNextDataPackets > 0)
                {
                    DropNextDataPackets--;
                    continue;
                }

                SendData(to, sequence, message);
            }
        }
    }

    /// <summary>UMP Data commands to record as sent but not put on the wire: a deliberate loss, for tests.</summary>
    public int DropNextDataPackets { get; set; }

    /// <summary>UMP Data commands sent again at a client's request.</summary>
    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    private long _retransmitted;

    private void Retransmit(Session session, IPEndPoint to, ushort first, ushort count)
    {
        for (int i = 0; i < Math.Max((int)count, 1); i++)
        {
            ushort sequence = (ushort)(first + i);
            if (!session.History.TryGet(sequence, out UmpMessage message))
            {
                Reply(to, (ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.RetransmitError, 0, [(uint)sequence << 16]));
                return;
            }

            Interlocked.Increment(ref _retransmitted);
            SendData(to, sequence, message);
        }
    }

    private void SendData(IPEndPoint to, ushort sequence, UmpMessage message) =>
        Reply(to, (ref NetMidiPacketWriter w) => w.UmpData(sequence, [message]));

    /// <summary>An invitation waiting for its digest: the nonce sent, and the wrong digests so far.</summary>
    private sealed class PendingAuthentication(string name)
    {
        public string Name { get; } = name;

        public byte[] Nonce { get; set; } = NetMidiAuthentication.NewNonce();

        public int Failures { get; set; }
    }

    private sealed class Session(string name)
    {
        public string Name { get; } = name;

        public NetMidiReceiveSequence Sequence { get; } = new();

        public NetMidiSendHistory History { get; } = new();

        public ushort NextSequence { get; set; }
    }
}
