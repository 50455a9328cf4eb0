using System.Net;
using System.Net.Sockets;

namespace LiveEngine.Osc;

/// <summary>
/// Sends OSC to one destination: UDP datagrams, or a TCP connection with SLIP framing (OSC 1.1). Control side;
/// calls may come from any thread (sends are serialised).
/// </summary>
public sealed class OscClient : IDisposable
{
    private readonly Socket _socket;
    private readonly bool _tcp;
    private readonly byte[] _buffer = new byte[OscPacketReader.MaxPacketBytes];
    private readonly object _gate = new();

    /// <summary>A client for <paramref name="host"/>:<paramref name="port"/> (a name or an address; TCP connects now).</summary>
    public OscClient(string host, int port, bool tcp = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65_535);
        IPAddress address = IPAddress.TryParse(host, out IPAddress? parsed) ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? Dns.GetHostAddresses(host)[0];
        Remote = new IPEndPoint(address, port);
        _tcp = tcp;
        _socket = tcp ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true } : new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Connect(Remote);
    }

    public IPEndPoint Remote { get; }

    /// <summary>Where this client sends from (its own address and port; a server answers there).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Sends one message, to be acted on when it arrives.</summary>
    public void Send(string address, params OscValue[] arguments)
    {
        lock (_gate)
        {
            int length = OscPacketWriter.WriteMessage(_buffer, address, arguments);
            SendPacket(length, address);
        }
    }

    /// <summary>Sends the messages as one bundle at <paramref name="time"/>.</summary>
    public void SendBundle(OscTimeTag time, IReadOnlyList<OscMessage> messages)
    {
        lock (_gate)
        {
            int length = OscPacketWriter.WriteBundle(_buffer, time, messages);
            SendPacket(length, "bundle");
        }
    }

    /// <summary>Sends bytes as one packet, as they are (tests and the fuzzer send malformed ones).</summary>
    public void SendRaw(ReadOnlySpan<byte> packet)
    {
        lock (_gate)
        {
            if (_tcp)
            {
                _socket.Send(OscSlip.Encode(packet));
            }
            else
            {
                _socket.Send(packet);
            }
        }
    }

    private void SendPacket(int length, string what)
    {
        if (length < 0)
        {
            throw new ArgumentException($"The OSC {what} does not fit in {OscPacketReader.MaxPacketBytes} bytes.");
        }

        if (_tcp)
        {
            _socket.Send(OscSlip.Encode(_buffer.AsSpan(0, length)));
        }
        else
        {
            _socket.Send(_buffer.AsSpan(0, length));
        }
    }

    public void Dispose() => _socket.Dispose();
}
