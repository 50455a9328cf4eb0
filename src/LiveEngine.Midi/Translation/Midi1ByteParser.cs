using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Translation;

/// <summary>
/// A MIDI 1.0 byte stream (a DIN cable, RtMidi, a file) to UMP in the MIDI 1.0 protocol: channel voice messages become
/// MT 0x2, system messages MT 0x1, System Exclusive MT 0x3 packets of up to 6 bytes. Running status is honoured,
/// real-time bytes may sit inside any other message, a status byte inside a SysEx ends it (as an implicit F7), and
/// stray data bytes are dropped. Never throws, never allocates. One thread at a time.
/// Design: M2-104-UM appendix D (translation); packet boundaries for SysEx as in AM_MIDI2.0Lib's bytestream_to_ump
/// (a full 6-byte packet is held back until the next byte says whether it is the last).
/// </summary>
public sealed class Midi1ByteParser
{
    private readonly byte _group;
    private byte _runningStatus;
    private int _expected;
    private int _dataCount;
    private byte _data0;

    private bool _inSysEx;
    private bool _sysExStarted;
    private readonly byte[] _sysEx = new byte[6];
    private int _sysExCount;

    public Midi1ByteParser(int group = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)group, 15u, nameof(group));
        _group = (byte)group;
    }

    /// <summary>Data bytes dropped because no status byte preceded them.</summary>
    public long StrayBytes { get; private set; }

    public void Feed<TSink>(ReadOnlySpan<byte> bytes, ref TSink sink)
        where TSink : IUmpSink
    {
        foreach (byte b in bytes)
        {
            FeedByte(b, ref sink);
        }
    }

    private void FeedByte<TSink>(byte b, ref TSink sink)
        where TSink : IUmpSink
    {
        if (b >= 0xF8)
        {
            // Real time: anywhere, even inside another message; F9 and FD are undefined.
            if (b is not (0xF9 or 0xFD))
            {
                sink.OnMessage(new UmpMessage { Kind = (UmpKind)(0x100 | b), Group = _group });
            }

            return;
        }

        if (b >= 0x80)
        {
            if (_inSysEx)
            {
                FlushSysEx(last: true, ref sink);
                _inSysEx = false;
                if (b == 0xF7)
                {
                    return;
                }
            }

            switch (b)
            {
                case 0xF0:
                    _inSysEx = true;
                    _sysExStarted = false;
                    _sysExCount = 0;
                    _runningStatus = 0;
                    return;
                case 0xF7:
                    return;
                case 0xF6:
                    _runningStatus = 0;
                    sink.OnMessage(new UmpMessage { Kind = UmpKind.TuneRequest, Group = _group });
                    return;
                case 0xF4 or 0xF5:
                    _runningStatus = 0;
                    return;
                default:
                    _runningStatus = b;
                    _dataCount = 0;
                    _expected = b switch
                    {
                        >= 0xC0 and <= 0xDF => 1,
                        0xF1 or 0xF3 => 1,
                        _ => 2,
                    };
                    return;
            }
        }

        if (_inSysEx)
        {
            if (_sysExCount == 6)
            {
                FlushSysEx(last: false, ref sink);
            }

            _sysEx[_sysExCount++] = b;
            return;
        }

        if (_runningStatus == 0)
        {
            StrayBytes++;
            return;
        }

        if (_dataCount == 0)
        {
            _data0 = b;
        }

        _dataCount++;
        if (_dataCount < _expected)
        {
            return;
        }

        Emit(_runningStatus, _data0, b, ref sink);
        _dataCount = 0;
        if (_runningStatus >= 0xF0)
        {
            // System common messages do not take part in running status.
            _runningStatus = 0;
        }
    }

    private void Emit<TSink>(byte status, byte d0, byte d1, ref TSink sink)
        where TSink : IUmpSink
    {
        if (status >= 0xF0)
        {
            sink.OnMessage(status switch
            {
                0xF2 => new UmpMessage { Kind = UmpKind.SongPositionPointer, Group = _group, Value = (uint)(d0 | (d1 << 7)) },
                _ => new UmpMessage { Kind = (UmpKind)(0x100 | status), Group = _group, Index = d0 },
            });
            return;
        }

        int kind = status >> 4;
        byte channel = (byte)(status & 0xF);
        sink.OnMessage(kind switch
        {
            0xE => new UmpMessage { Kind = UmpKind.Midi1PitchBend, Group = _group, Channel = channel, Value = (uint)(d0 | (d1 << 7)) },
            0xC or 0xD => new UmpMessage { Kind = (UmpKind)(0x200 | kind), Group = _group, Channel = channel, Index = d0 },
            _ => new UmpMessage { Kind = (UmpKind)(0x200 | kind), Group = _group, Channel = channel, Index = d0, Index2 = d1 },
        });
    }

    private void FlushSysEx<TSink>(bool last, ref TSink sink)
        where TSink : IUmpSink
    {
        UmpKind kind = (_sysExStarted, last) switch
        {
            (false, true) => UmpKind.SysEx7Complete,
            (false, false) => UmpKind.SysEx7Start,
            (true, false) => UmpKind.SysEx7Continue,
            _ => UmpKind.SysEx7End,
        };
        (ulong high, _) = UmpMessage.PackPayload(_sysEx.AsSpan(0, _sysExCount));
        sink.OnMessage(new UmpMessage { Kind = kind, Group = _group, Length = (byte)_sysExCount, PayloadHigh = high });
        _sysExStarted = true;
        _sysExCount = 0;
    }
}
