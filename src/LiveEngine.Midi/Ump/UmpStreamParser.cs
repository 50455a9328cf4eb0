namespace LiveEngine.Midi.Ump;

/// <summary>
/// Parses a stream of UMP words that may arrive in pieces and may contain garbage. A packet split across calls is
/// completed by the next call; a word that does not begin a valid packet is dropped and parsing resumes at the next
/// word, so after garbage the parser finds the next valid packet again. Packets of reserved message types are
/// skipped whole (their size is known). Never throws, never allocates. One thread at a time.
/// </summary>
public sealed class UmpStreamParser
{
    private readonly uint[] _pending = new uint[4];
    private int _pendingCount;

    /// <summary>Messages delivered.</summary>
    public long Messages { get; private set; }

    /// <summary>Words dropped while resynchronising.</summary>
    public long GarbageWords { get; private set; }

    /// <summary>Packets of reserved message types skipped.</summary>
    public long ReservedPackets { get; private set; }

    /// <summary>Feeds words; every complete, valid message goes to <paramref name="sink"/>.</summary>
    public void Feed<TSink>(ReadOnlySpan<uint> words, ref TSink sink)
        where TSink : IUmpSink
    {
        foreach (uint word in words)
        {
            _pending[_pendingCount++] = word;
            Drain(ref sink);
        }
    }

    /// <summary>Forgets a partial packet (after a transport reset).</summary>
    public void Reset() => _pendingCount = 0;

    private void Drain<TSink>(ref TSink sink)
        where TSink : IUmpSink
    {
        while (_pendingCount > 0)
        {
            UmpReadResult result = UmpMessage.TryRead(_pending.AsSpan(0, _pendingCount), out UmpMessage message, out int consumed);
            switch (result)
            {
                case UmpReadResult.NeedMoreWords:
                    return;
                case UmpReadResult.Ok:
                    Messages++;
                    Shift(consumed);
                    sink.OnMessage(message);
                    break;
                case UmpReadResult.Reserved:
                    ReservedPackets++;
                    Shift(consumed);
                    break;
                default:
                    // Resynchronise: the first word cannot start a packet, so try the next one.
                    GarbageWords++;
                    Shift(1);
                    break;
            }
        }
    }

    private void Shift(int words)
    {
        for (int i = words; i < _pendingCount; i++)
        {
            _pending[i - words] = _pending[i];
        }

        _pendingCount -= words;
    }
}
