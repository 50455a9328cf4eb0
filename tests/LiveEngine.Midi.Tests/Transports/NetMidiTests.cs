using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveEngine.Control;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Transports.Network;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Tests.Midi.Transports;

public sealed class NetMidiTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_wait, $"Timed out waiting for {what}.");
            Thread.Sleep(2);
        }
    }

    [Fact]
    public void PingDatagram_HasTheZephyrNetMidi2Layout()
    {
        // M2-124-UM 5.3/6.13 as implemented by Zephyr's subsys/net/lib/midi2/netmidi2.c: "MIDI", then
        // code 0x20, one payload word, command-specific 0, then the ping id.
        byte[] buffer = new byte[64];
        var writer = new NetMidiPacketWriter(buffer);
        writer.Command(NetMidiCommandCode.Ping, 0, [0x12345678u]);
        Assert.Equal(new byte[] { 0x4D, 0x49, 0x44, 0x49, 0x20, 0x01, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78 }, buffer[..writer.Length]);

        var reader = new NetMidiPacketReader(buffer.AsSpan(0, writer.Length));
        Assert.Equal(NetMidiReadResult.Ok, reader.TryReadNext(out NetMidiCommand ping));
        Assert.Equal(NetMidiCommandCode.Ping, ping.Command);
        Assert.Equal(0x12345678u, ping.Word(0));
        Assert.Equal(NetMidiReadResult.End, reader.TryReadNext(out _));
    }

    [Fact]
    public void UmpDataCommand_CarriesTheSequenceNumberAndTheWords()
    {
        byte[] buffer = new byte[64];
        var writer = new NetMidiPacketWriter(buffer);
        writer.UmpData(0x0102, [UmpMessage.ControlChange(0, 3, 74, 0x8000_0000)]);
        Assert.Equal(new byte[] { 0x4D, 0x49, 0x44, 0x49, 0xFF, 0x02, 0x01, 0x02, 0x40, 0xB3, 0x4A, 0x00, 0x80, 0x00, 0x00, 0x00 }, buffer[..writer.Length]);
    }

    [Fact]
    public void TruncatedOrUnsignedDatagrams_AreMalformed()
    {
        Assert.Equal(NetMidiReadResult.Malformed, new NetMidiPacketReader("MIDX"u8).TryReadNext(out _));
        // Header says two payload words, one is there.
        Assert.Equal(NetMidiReadResult.Malformed, new NetMidiPacketReader([0x4D, 0x49, 0x44, 0x49, 0xFF, 0x02, 0, 0, 1, 2, 3, 4]).TryReadNext(out _));
        Assert.Equal(NetMidiReadResult.Malformed, new NetMidiPacketReader([0x4D, 0x49, 0x44, 0x49, 0xFF]).TryReadNext(out _));
    }

    [Fact]
    public void ClientOnLoopback_OpensASession_MovesAController_AndTheBoundVariableFollows()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 74), ControlTarget.ForVariable("cutoff"), Min: 200, Max: 8000));
        using var host = new NetMidiHost(m => control.Receive(m), endpointName: "LiveEngine test");
        using var client = new NetMidiClient(host.LocalEndPoint, "test client");

        Assert.True(client.Invite(s_wait));
        Assert.Equal("LiveEngine test", client.HostName);
        Assert.Equal(["test client"], host.SessionNames);
        Assert.True(client.Ping(0xCAFE, s_wait));
        Assert.Equal(1, host.PingsAnswered);

        client.Send(UmpMessage.ControlChange(0, 0, 74, uint.MaxValue));
        WaitUntil(() => variables.TryGet("cutoff", out _), "the variable");
        Assert.Equal(8000, variables.Get("cutoff"));
        client.Send(UmpMessage.ControlChange(0, 0, 74, 0));
        WaitUntil(() => variables.Get("cutoff") == 200, "the second move");

        Assert.True(client.ResetSession(s_wait));
        client.Send(UmpMessage.ControlChange(0, 0, 74, uint.MaxValue));
        WaitUntil(() => variables.Get("cutoff") == 8000, "a move after the session reset");
        Assert.Equal(0, host.RetransmitRequestsSent);

        Assert.True(client.Bye(s_wait));
        Assert.Equal(0, host.SessionCount);
        Assert.Equal(0, host.Malformed);
    }

    [Fact]
    public void DroppedPacket_IsRecoveredByRetransmit_AndValuesArriveInOrder()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("a")));
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 2), ControlTarget.ForVariable("b")));
        var order = new List<string>();
        variables.Changed += (name, _) => { lock (order) { order.Add(name); } };
        using var host = new NetMidiHost(m => control.Receive(m));
        using var client = new NetMidiClient(host.LocalEndPoint);
        Assert.True(client.Invite(s_wait));

        client.Send(UmpMessage.ControlChange(0, 0, 1, 0));            // sequence 0
        client.DropNextDataPackets = 1;
        client.Send(UmpMessage.ControlChange(0, 0, 2, uint.MaxValue)); // sequence 1: lost on the way
        client.Send(UmpMessage.ControlChange(0, 0, 1, uint.MaxValue)); // sequence 2: reveals the gap

        WaitUntil(() => variables.Get("a") == 1 && variables.Get("b") == 1, "the retransmitted value");
        Assert.Equal(1, host.RetransmitRequestsSent);
        Assert.Equal(1, client.Retransmitted);
        Assert.Equal(1, host.Recovered);
        Assert.Equal(0, host.Lost);
        lock (order)
        {
            Assert.Equal(["a", "b", "a"], order);
        }
    }

    [Fact]
    public void GapThatCannotBeRetransmitted_IsGivenUp_AndLaterDataStillFlows()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("a")));
        using var host = new NetMidiHost(m => control.Receive(m)) { RetransmitTimeout = TimeSpan.FromMilliseconds(50) };
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] buffer = new byte[256];
        var invite = new NetMidiPacketWriter(buffer);
        invite.Invitation(NetMidiCommandCode.Invitation, "raw", "raw-1");
        socket.SendTo(buffer.AsSpan(0, invite.Length), host.LocalEndPoint);
        WaitUntil(() => host.SessionCount == 1, "the session");

        // Sequence 5 with 0..4 never sent and no client to answer the Retransmit Request.
        var data = new NetMidiPacketWriter(buffer);
        data.UmpData(5, [UmpMessage.ControlChange(0, 0, 1, uint.MaxValue)]);
        socket.SendTo(buffer.AsSpan(0, data.Length), host.LocalEndPoint);
        WaitUntil(() => variables.TryGet("a", out _), "the held value after the timeout");
        Assert.Equal(5, host.Lost);
        Assert.Equal(1, host.RetransmitRequestsSent);
    }

    [Fact]
    public void MalformedDatagrams_AreCountedAndNaked_AndTheHostKeepsWorking()
    {
        var variables = new NamedVariables();
        var control = new MidiControl(variables);
        control.Bind(new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange, Index: 1), ControlTarget.ForVariable("a")));
        using var host = new NetMidiHost(m => control.Receive(m));
        using var client = new NetMidiClient(host.LocalEndPoint);
        Assert.True(client.Invite(s_wait));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.SendTo("hello"u8.ToArray(), host.LocalEndPoint);
        socket.SendTo(new byte[] { 0x4D, 0x49, 0x44, 0x49, 0xFF, 0x09, 0, 0, 1 }, host.LocalEndPoint);
        // A UMP Data command whose single word announces a two-word MIDI 2.0 packet.
        socket.SendTo(new byte[] { 0x4D, 0x49, 0x44, 0x49, 0xFF, 0x01, 0, 0, 0x40, 0xB0, 0x01, 0x00 }, host.LocalEndPoint);
        WaitUntil(() => host.Datagrams >= 4, "the datagrams");
        Assert.Equal(2, host.Malformed);
        Assert.True(host.NaksSent >= 2);

        client.Send(UmpMessage.ControlChange(0, 0, 1, uint.MaxValue));
        WaitUntil(() => variables.TryGet("a", out _), "a valid move after the garbage");
        Assert.Equal(1, variables.Get("a"));
    }
    [Fact]
    public void HostSendsClockToAClient_AndTheClientRecoversADroppedPacket()
    {
        using var host = new NetMidiHost(_ => { });
        using var client = new NetMidiClient(host.LocalEndPoint);
        var received = new List<UmpMessage>();
        client.MessageReceived = m => { lock (received) { received.Add(m); } };
        Assert.True(client.Invite(s_wait));

        host.Send(UmpMessage.System(UmpKind.Start));
        host.DropNextDataPackets = 1;
        host.Send(UmpMessage.System(UmpKind.TimingClock));
        host.Send(UmpMessage.System(UmpKind.Stop));
        WaitUntil(() => { lock (received) { return received.Count == 3; } }, "three messages");
        lock (received)
        {
            Assert.Equal([UmpKind.Start, UmpKind.TimingClock, UmpKind.Stop], received.Select(m => m.Kind));
        }

        Assert.Equal(1, client.RetransmitRequestsSent);
        Assert.Equal(1, host.Retransmitted);
        Assert.Equal(1, client.Recovered);
    }
}
