using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Transports.Network;

/// <summary>
/// Puts received UMP Data commands back in order. In order: delivered at once. Ahead of the expected number (a
/// datagram went missing): held, and the caller sends one Retransmit Request for the gap; the held ones follow as soon
/// as the gap is filled. If the gap is not filled in time, or the sender answers with a Retransmit Error, the missing
/// ones are given up and the held ones delivered. Behind (a duplicate, e.g. a retransmission that crossed the
/// original): dropped. Sequence numbers are 16 bits and wrap (M2-124-UM 6.3).
/// </summary>
internal sealed class NetMidiReceiveSequence
{
    private readonly SortedDictionary<int, UmpMessage[]> _held = [];
    private ushort _expected;
    private long _gapSince;

    public long Recovered { get; private set; }

    public long Lost { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>True while a gap waits for retransmission.</summary>
    public bool WaitingForRetransmit { get; private set; }

    public void Reset()
    {
        _held.Clear();
        _expected = 0;
        WaitingForRetransmit = false;
    }

    /// <summary>
    /// Accepts a command's messages; <paramref name="deliver"/> gets every message now in order. Returns the
    /// retransmit request to send (first missing number and count), if one is due.
    /// </summary>
    public (ushort First, ushort Count)? Accept(ushort sequence, UmpMessage[] messages, long nowTicks, Action<UmpMessage> deliver)
    {
        short ahead = (short)(sequence - _expected);
        if (ahead < 0 || _held.ContainsKey(ahead))
        {
            Duplicates++;
            return null;
        }

        if (ahead == 0)
        {
            if (WaitingForRetransmit)
            {
                Recovered++;
            }

            foreach (UmpMessage m in messages)
            {
                deliver(m);
            }

            _expected++;
            Rebase(1);
            DrainHeld(deliver);
            return null;
        }

        // Keys are offsets from the expected number, so the dictionary sorts them in arrival order across a wrap.
        _held[ahead] = messages;
        if (WaitingForRetransmit)
        {
            return null;
        }

        WaitingForRetransmit = true;
        _gapSince = nowTicks;
        return (_expected, (ushort)ahead);
    }

    /// <summary>Gives the gap up if it has waited longer than <paramref name="timeoutTicks"/>; returns true if it did.</summary>
    public bool GiveUpIfStale(long nowTicks, long timeoutTicks, Action<UmpMessage> deliver)
    {
        if (!WaitingForRetransmit || nowTicks - _gapSince < timeoutTicks)
        {
            return false;
        }

        GiveUp(deliver);
        return true;
    }

    /// <summary>The sender cannot retransmit: skip what is missing.</summary>
    public void GiveUp(Action<UmpMessage> deliver)
    {
        if (_held.Count == 0)
        {
            WaitingForRetransmit = false;
            return;
        }

        int skip = _held.Keys.First();
        Lost += skip;
        _expected += (ushort)skip;
        Rebase(skip);
        DrainHeld(deliver);
    }

    private void DrainHeld(Action<UmpMessage> deliver)
    {
        while (_held.Remove(0, out UmpMessage[]? messages))
        {
            foreach (UmpMessage m in messages)
            {
                deliver(m);
            }

            _expected++;
            Rebase(1);
        }

        if (_held.Count == 0)
        {
            WaitingForRetransmit = false;
        }
    }

    // Held offsets are relative to the expected number; when it advances by n, they shift down by n.
    private void Rebase(int by)
    {
        if (_held.Count == 0 || by == 0)
        {
            return;
        }

        var shifted = _held.ToArray();
        _held.Clear();
        foreach ((int key, UmpMessage[] value) in shifted)
        {
            if (key - by >= 0)
            {
                _held[key - by] = value;
            }
        }
    }
}
