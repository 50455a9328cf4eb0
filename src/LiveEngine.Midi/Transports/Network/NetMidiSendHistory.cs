using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// The last UMP Data commands a sender sent, by sequence number, so that it can answer a Retransmit Request
/// (M2-124-UM 6.12). A ring of fixed size, allocated once.
/// </summary>
internal sealed class NetMidiSendHistory(int capacity = 256)
{
    private readonly UmpMessage[] _messages = new UmpMessage[capacity];
    private readonly ushort[] _sequences = new ushort[capacity];
    private readonly bool[] _used = new bool[capacity];

    public void Record(ushort sequence, in UmpMessage message)
    {
        int slot = sequence % _messages.Length;
        _messages[slot] = message;
        _sequences[slot] = sequence;
        _used[slot] = true;
    }

    public bool TryGet(ushort sequence, out UmpMessage message)
    {
        int slot = sequence % _messages.Length;
        if (_used[slot] && _sequences[slot] == sequence)
        {
            message = _messages[slot];
            return true;
        }

        message = default;
        return false;
    }

    public void Clear() => Array.Clear(_used);
}
