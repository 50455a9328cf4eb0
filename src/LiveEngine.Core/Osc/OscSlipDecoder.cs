namespace LiveEngine.Osc;

/// <summary>
/// Splits a SLIP byte stream into packets (<see cref="OscSlip"/>). A frame longer than the limit, or with an ESC
/// followed by anything but 0xDC or 0xDD, is dropped whole and counted; decoding resumes at the next END. Empty
/// frames (two ENDs in a row) are ignored. One reader thread only.
/// </summary>
public sealed class OscSlipDecoder
{
    private readonly byte[] _frame;
    private int _length;
    private bool _escaped;
    private bool _discarding;

    public OscSlipDecoder(int maxFrameBytes = OscPacketReader.MaxPacketBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, 4);
        _frame = new byte[maxFrameBytes];
    }

    /// <summary>Frames dropped: too long, or a bad escape.</summary>
    public long Dropped { get; private set; }

    /// <summary>Feeds <paramref name="data"/>; <paramref name="frame"/> is called with each complete frame (valid only during the call).</summary>
    public void Feed(ReadOnlySpan<byte> data, OscFrameHandler frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (byte b in data)
        {
            if (b == OscSlip.End)
            {
                if (!_discarding && !_escaped && _length > 0)
                {
                    frame(_frame.AsSpan(0, _length));
                }
                else if (_escaped && !_discarding)
                {
                    Dropped++;
                }

                _length = 0;
                _escaped = false;
                _discarding = false;
                continue;
            }

            if (_discarding)
            {
                continue;
            }

            byte value = b;
            if (_escaped)
            {
                _escaped = false;
                if (b is not (OscSlip.EscapedEnd or OscSlip.EscapedEscape))
                {
                    Drop();
                    continue;
                }

                value = b == OscSlip.EscapedEnd ? OscSlip.End : OscSlip.Escape;
            }
            else if (b == OscSlip.Escape)
            {
                _escaped = true;
                continue;
            }

            if (_length == _frame.Length)
            {
                Drop();
                continue;
            }

            _frame[_length++] = value;
        }
    }

    private void Drop()
    {
        Dropped++;
        _discarding = true;
        _length = 0;
    }
}
