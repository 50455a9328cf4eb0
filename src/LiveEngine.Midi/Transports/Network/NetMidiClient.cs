using System.Net;
using System.Net.Sockets;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// A Network MIDI 2.0 client endpoint (M2-124-UM v1.0): invites itself to a host, pings, sends UMP Data with sequence
/// numbers and answers the host's Retransmit Requests from its send history, authenticates with a shared secret when
/// the host asks (M2-124-UM 6.7, 6.9), receives the host's UMP Data in order
/// (asking for retransmission of gaps), resets the session and says bye. Used
/// by the tests and by <c>liveengine midi</c> to drive a host; <see cref="DropNextDataPackets"/> deliberately loses
/// packets to exercise the host's recovery.
/// </summary>
public sealed class NetMidiClient : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _host;
    private readonly Thread _receiver;
    private readonly object _gate = new();
    private readonly NetMidiSendHistory _history = new();
    private readonly byte[] _send = new byte[1500];
    private readonly string _name;
    private readonly string _productInstanceId;
    private readonly ManualResetEventSlim _accepted = new();
    private readonly ManualResetEventSlim _pingReply = new();
    private readonly ManualResetEventSlim _resetReply = new();
    private readonly ManualResetEventSlim _byeReply = new();
    private readonly ManualResetEventSlim _refused = new();
    private readonly string? _secret;
    private uint _lastPingId;
    private ushort _sequence;
    private volatile bool _stop;
    private long _retransmitted, _naks, _retransmitErrors;

    private readonly NetMidiReceiveSequence _incoming = new();

    /// <summary>A client of <paramref name="host"/>; with <paramref name="sharedSecret"/>, it answers the host's authentication challenge.</summary>
    public NetMidiClient(IPEndPoint host, string endpointName = "liveengine-client", string productInstanceId = "client-1", string? sharedSecret = null)
    {
        _host = host;
        _secret = string.IsNullOrEmpty(sharedSecret) ? null : sharedSecret;
        _name = endpointName;
        _productInstanceId = productInstanceId;
        _socket = new Socket(host.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 20 };
        _socket.Bind(new IPEndPoint(host.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _receiver = new Thread(Receive) { IsBackground = true, Name = "netmidi2-client" };
        _receiver.Start();
    }

    /// <summary>Where UMP sent by the host goes, in sequence order (receive thread).</summary>
    public Action<UmpMessage>? MessageReceived { get; set; }

    /// <summary>Retransmit Requests this client sent for gaps in the host's data.</summary>
    public long RetransmitRequestsSent => Interlocked.Read(ref _retransmitRequests);

    /// <summary>Gaps in the host's data filled by retransmission.</summary>
    public long Recovered => _incoming.Recovered;

    private long _retransmitRequests;

    /// <summary>The host's endpoint name from its Invitation Reply.</summary>
    public string? HostName { get; private set; }

    public bool IsConnected => _accepted.IsSet;

    /// <summary>UMP Data commands sent again at the host's request.</summary>
    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    public long NaksReceived => Interlocked.Read(ref _naks);

    /// <summary>Retransmit Requests this client could not serve (the packets were no longer in its history).</summary>
    public long RetransmitErrorsSent => Interlocked.Read(ref _retransmitErrors);

    /// <summary>Packets to record as sent but not put on the wire: a deliberate loss, for tests.</summary>
    public int DropNextDataPackets { get; set; }

    /// <summary>Why the host refused the last invitation (authentication), or null.</summary>
    public string? Refusal { get; private set; }

    /// <summary>
    /// Sends an Invitation and waits for the host's acceptance; false when the host refuses (see
    /// <see cref="Refusal"/>) or does not answer. A client with a secret offers authentication (capability bit 0)
    /// and answers the host's challenge once: a wrong secret does not get better by retrying.
    /// </summary>
    public bool Invite(TimeSpan timeout)
    {
        _accepted.Reset();
        _refused.Reset();
        Refusal = null;
        byte capabilities = _secret is null ? (byte)0 : NetMidiAuthentication.CapabilityAuthentication;
        SendCommand((ref NetMidiPacketWriter w) => w.Invitation(NetMidiCommandCode.Invitation, _name, _productInstanceId, capabilities));
        WaitHandle.WaitAny([_accepted.WaitHandle, _refused.WaitHandle], timeout);
        return _accepted.IsSet;
    }

    private void Refuse(string why)
    {
        Refusal = why;
        _refused.Set();
    }

    public bool Ping(uint id, TimeSpan timeout)
    {
        _pingReply.Reset();
        SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.Ping, 0, [id]));
        return _pingReply.Wait(timeout) && _lastPingId == id;
    }

    /// <summary>Sends one UMP message as a UMP Data command with the next sequence number.</summary>
    public void Send(in UmpMessage message)
    {
        lock (_gate)
        {
            ushort sequence = _sequence++;
            _history.Record(sequence, message);
            if (DropNextDataPackets > 0)
            {
                DropNextDataPackets--;
                return;
            }

            SendData(sequence, message);
        }
    }

    public bool ResetSession(TimeSpan timeout)
    {
        _resetReply.Reset();
        lock (_gate)
        {
            _sequence = 0;
            _history.Clear();
        }

        SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.SessionReset, 0));
        return _resetReply.Wait(timeout);
    }

    public bool Bye(TimeSpan timeout)
    {
        _byeReply.Reset();
        SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.Bye, (ushort)((int)NetMidiByeReason.UserTerminated << 8)));
        bool replied = _byeReply.Wait(timeout);
        _accepted.Reset();
        return replied;
    }

    private void SendData(ushort sequence, in UmpMessage message)
    {
        var writer = new NetMidiPacketWriter(_send);
        writer.UmpData(sequence, [message]);
        _socket.SendTo(_send.AsSpan(0, writer.Length), SocketFlags.None, _host);
    }

    private delegate void WriteCommand(ref NetMidiPacketWriter writer);

    private void SendCommand(WriteCommand write)
    {
        lock (_gate)
        {
            var writer = new NetMidiPacketWriter(_send);
            write(ref writer);
            _socket.SendTo(_send.AsSpan(0, writer.Length), SocketFlags.None, _host);
        }
    }

    private void Receive()
    {
        byte[] buffer = new byte[65536];
        EndPoint from = new IPEndPoint(_host.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                _incoming.GiveUpIfStale(System.Diagnostics.Stopwatch.GetTimestamp(), System.Diagnostics.Stopwatch.Frequency / 5, Deliver);
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var reader = new NetMidiPacketReader(buffer.AsSpan(0, length));
            while (reader.TryReadNext(out NetMidiCommand command) == NetMidiReadResult.Ok)
            {
                Handle(command);
            }
        }
    }

    private void Handle(NetMidiCommand command)
    {
        switch (command.Command)
        {
            case NetMidiCommandCode.InvitationReplyAccepted:
                {
                    int nameWords = Math.Min(command.Specific >> 8, command.PayloadWords);
                    ReadOnlySpan<byte> name = command.Payload[..(4 * nameWords)];
                    int end = name.IndexOf((byte)0);
                    HostName = System.Text.Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
                    _accepted.Set();
                    break;
                }

            case NetMidiCommandCode.PingReply when command.PayloadWords == 1:
                _lastPingId = command.Word(0);
                _pingReply.Set();
                break;
            case NetMidiCommandCode.SessionResetReply:
                _incoming.Reset();
                _resetReply.Set();
                break;
            case NetMidiCommandCode.InvitationReplyAuthenticationRequired:
                {
                    const int nonceWords = NetMidiAuthentication.NonceBytes / 4;
                    if (command.PayloadWords < nonceWords)
                    {
                        Refuse("the host asked for authentication with a malformed challenge");
                    }
                    else if (_secret is null)
                    {
                        Refuse("the host requires authentication: give this client its shared secret");
                    }
                    else if ((command.Specific & 0xFF) == NetMidiAuthentication.StateIncorrectDigest)
                    {
                        Refuse("the host refused the shared secret");
                    }
                    else
                    {
                        byte[] digest = NetMidiAuthentication.Digest(command.Payload[..NetMidiAuthentication.NonceBytes], _secret);
                        SendCommand((ref NetMidiPacketWriter w) => w.InvitationWithAuthentication(digest));
                    }

                    break;
                }

            case NetMidiCommandCode.ByeReply:
                _byeReply.Set();
                break;
            case NetMidiCommandCode.Bye:
                switch ((NetMidiByeReason)(command.Specific >> 8))
                {
                    case NetMidiByeReason.AuthenticationFailed:
                        Refuse("the host refused the shared secret");
                        break;
                    case NetMidiByeReason.NoMatchingAuthenticationMethod:
                        Refuse("the host requires authentication: give this client its shared secret");
                        break;
                }

                _accepted.Reset();
                SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.ByeReply, 0));
                break;
            case NetMidiCommandCode.Nak:
                Interlocked.Increment(ref _naks);
                break;
            case NetMidiCommandCode.RetransmitRequest when command.PayloadWords >= 1:
                Retransmit(command.Specific, (ushort)(command.Word(0) >> 16));
                break;
            case NetMidiCommandCode.RetransmitError:
                _incoming.GiveUp(Deliver);
                break;
            case NetMidiCommandCode.SessionReset:
                _incoming.Reset();
                SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.SessionResetReply, 0));
                break;
            case NetMidiCommandCode.UmpData:
                ReceiveData(command);
                break;
        }
    }

    private void ReceiveData(NetMidiCommand command)
    {
        var messages = new List<UmpMessage>();
        Span<uint> words = stackalloc uint[255];
        int count = command.PayloadWords;
        for (int i = 0; i < count; i++)
        {
            words[i] = command.Word(i);
        }

        for (int at = 0; at < count;)
        {
            if (UmpMessage.TryRead(words[at..count], out UmpMessage message, out int consumed) == UmpReadResult.Ok)
            {
                messages.Add(message);
            }

            at += Math.Max(consumed, 1);
        }

        (ushort First, ushort Count)? request = _incoming.Accept(command.Specific, [.. messages], System.Diagnostics.Stopwatch.GetTimestamp(), Deliver);
        if (request is { } r)
        {
            Interlocked.Increment(ref _retransmitRequests);
            SendCommand((ref NetMidiPacketWriter w) => w.Command(NetMidiCommandCode.RetransmitRequest, r.First, [(uint)r.Count << 16]));
        }
    }

    private void Deliver(UmpMessage message) => MessageReceived?.Invoke(message);

    private void Retransmit(ushort first, ushort count)
    {
        lock (_gate)
        {
            for (int i = 0; i < Math.Max((int)count, 1); i++)
            {
                ushort sequence = (ushort)(first + i);
                if (!_history.TryGet(sequence, out UmpMessage message))
                {
                    Interlocked.Increment(ref _retransmitErrors);
                    var writer = new NetMidiPacketWriter(_send);
                    writer.Command(NetMidiCommandCode.RetransmitError, 0, [(uint)sequence << 16]);
                    _socket.SendTo(_send.AsSpan(0, writer.Length), SocketFlags.None, _host);
                    return;
                }

                Interlocked.Increment(ref _retransmitted);
                SendData(sequence, message);
            }
        }
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
        _accepted.Dispose();
        _pingReply.Dispose();
        _resetReply.Dispose();
        _byeReply.Dispose();
        _refused.Dispose();
    }
}
