using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveEngine.Midi.Clock;
using LiveEngine.Midi.Control;
using LiveEngine.Midi.Ump;
using LiveEngine.Scheduling;

namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>
/// A MIDI input through RtMidi's JACK backend that feeds a <see cref="MidiControl"/>. It either opens its own JACK
/// input port (<c>client:port</c>, for others to connect to) or connects to an existing output port by name.
/// RtMidi calls back (<c>rtmidi_in_set_callback</c>) on JACK's process thread in the cycle a message arrives; the
/// callback only stamps it and copies it into a preallocated single-producer/single-consumer ring (no allocation, no
/// lock, one futex wake), and a reader thread hands it to the control as MIDI 1.0 bytes with its arrival time, which
/// the engine maps to a sample with a constant latency (docs/midi.md, "Timing").
/// </summary>
/// <remarks>
/// The arrival time: RtMidi's delta times are differences of <c>jack_get_time()</c> (CLOCK_MONOTONIC, µs) taken in
/// the cycle each message arrived, so the first message is stamped with <see cref="Stopwatch.GetTimestamp"/> in the
/// callback and each next one with the previous stamp plus its delta: messages of one cycle share its time. When the
/// chain strays more than <see cref="ChainToleranceMs"/> from the clock (RtMidi also advances it for messages it
/// filters, such as active sensing), the stamp restarts from the clock. RtMidi's JACK backend stamps per cycle, not
/// per frame: a message's offset within its period is not known here.
/// </remarks>
public sealed unsafe class RtMidiInput : IDisposable
{
    /// <summary>Messages the ring holds; a reader that falls this far behind drops the newest (counted in <see cref="Dropped"/>).</summary>
    public const int RingSlots = 1024;

    /// <summary>The longest message the ring carries (a longer SysEx is dropped and counted; controllers never are).</summary>
    public const int MaxMessageBytes = 244;

    /// <summary>How far the delta-time chain may stray from the monotonic clock before the stamp restarts from the clock.</summary>
    public const double ChainToleranceMs = 1;

    private readonly RtMidiNative.RtMidiWrapper* _device;
    private readonly MidiControl _control;
    private readonly MidiClockSync? _clockSync;
    private readonly Thread _reader;
    private readonly Slot* _ring;
    private readonly int* _signal;
    private GCHandle _self;
    private volatile bool _stop;

    // JACK's process thread only (the producer).
    private long _chain;
    private bool _chained;
    private long _tail;
    private long _dropped;

    // The reader thread only (the consumer), published for the producer's full check.
    private long _head;
    private long _received;
    private long _faults;
    private string? _lastFault;

    /// <param name="clientName">JACK client name.</param>
    /// <param name="control">Where the messages go.</param>
    /// <param name="connectTo">An output port to connect to (<c>client:port</c>), or null to open an own port named <paramref name="portName"/>.</param>
    /// <param name="portName">The name of the own port.</param>
    /// <param name="clockSync">If given, incoming Timing Clock, Start and Stop drive the session's tempo.</param>
    public RtMidiInput(string clientName, MidiControl control, string? connectTo = null, string portName = "in", MidiClockSync? clockSync = null)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
        _clockSync = clockSync;
        _ring = (Slot*)NativeMemory.AllocZeroed(RingSlots, (nuint)sizeof(Slot));
        _signal = (int*)NativeMemory.AllocZeroed(64);
        _self = GCHandle.Alloc(this);
        _device = RtMidiNative.rtmidi_in_create(RtMidiNative.ApiUnixJack, clientName, 1024);
        try
        {
            RtMidiNative.Check(_device, $"Opening RtMidi JACK input '{clientName}'");
            // Let SysEx and timing (clock) through; drop active sensing.
            RtMidiNative.rtmidi_in_ignore_types(_device, false, false, true);
            RtMidiNative.rtmidi_in_set_callback(_device, &OnMessage, GCHandle.ToIntPtr(_self));
            RtMidiNative.Check(_device, $"Setting the callback of RtMidi JACK input '{clientName}'");
            RtMidiPorts.Open(_device, clientName, portName, connectTo);
        }
        catch
        {
            RtMidiNative.rtmidi_in_free(_device);
            Free();
            throw;
        }

        PortName = $"{clientName}:{portName}";
        _reader = new Thread(Read) { IsBackground = true, Name = $"rtmidi-in {PortName}" };
        _reader.Start();
    }

    /// <summary>The JACK name of this input's port.</summary>
    public string PortName { get; }

    /// <summary>Messages handed to the control.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages dropped: the ring was full, or a SysEx longer than <see cref="MaxMessageBytes"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages whose handling threw (in a handler of the control's events); the reader went on with the next.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>The type and message of the latest exception counted in <see cref="Faults"/>, or null.</summary>
    public string? LastFault => Volatile.Read(ref _lastFault);

    [UnmanagedCallersOnly]
    private static void OnMessage(double deltaSeconds, byte* message, nuint size, nint user)
    {
        // JACK's process thread: no allocation, no lock, nothing thrown (an exception here would end the process).
        if (GCHandle.FromIntPtr(user).Target is RtMidiInput input)
        {
            input.Push(deltaSeconds, message, size);
        }
    }

    private void Push(double deltaSeconds, byte* message, nuint size)
    {
        long now = Stopwatch.GetTimestamp();
        long stamp = _chained ? _chain + (long)(Math.Max(deltaSeconds, 0) * Stopwatch.Frequency) : now;
        if (Math.Abs(now - stamp) > ChainToleranceMs * Stopwatch.Frequency / 1000)
        {
            stamp = now;
        }

        _chain = stamp;
        _chained = true;
        long tail = _tail;
        if (size == 0 || size > MaxMessageBytes || tail - Volatile.Read(ref _head) >= RingSlots)
        {
            Volatile.Write(ref _dropped, _dropped + 1);
            return;
        }

        Slot* slot = _ring + (tail % RingSlots);
        slot->Timestamp = stamp;
        slot->Length = (int)size;
        new ReadOnlySpan<byte>(message, (int)size).CopyTo(new Span<byte>(slot->Bytes, MaxMessageBytes));

        // Release: the slot is complete before the reader sees the new tail.
        Volatile.Write(ref _tail, tail + 1);
        Interlocked.Increment(ref *_signal);
        Futex.Wake(_signal, 1);
    }

    private void Read()
    {
        byte* buffer = stackalloc byte[MaxMessageBytes];
        while (!_stop)
        {
            int signal = Volatile.Read(ref *_signal);
            long head = _head;
            if (head == Volatile.Read(ref _tail))
            {
                // Sleeps until the callback bumps the signal (or 20 ms pass, to look at _stop).
                Futex.Wait(_signal, signal);
                continue;
            }

            Slot* slot = _ring + (head % RingSlots);
            int length = slot->Length;
            long stamp = slot->Timestamp;
            new ReadOnlySpan<byte>(slot->Bytes, length).CopyTo(new Span<byte>(buffer, MaxMessageBytes));

            // Release: the producer may reuse the slot once it sees the new head.
            Volatile.Write(ref _head, head + 1);
            Interlocked.Increment(ref _received);
            try
            {
                if (_clockSync is not null && buffer[0] is 0xF8 or 0xFA or 0xFB or 0xFC)
                {
                    _clockSync.Receive(UmpMessage.System((UmpKind)(0x100 | buffer[0])), stamp / (double)Stopwatch.Frequency);
                }

                _control.ReceiveMidi1(new ReadOnlySpan<byte>(buffer, length), arrivalTimestamp: stamp);
            }
            catch (Exception e)
            {
                // A handler of the control's events threw: an exception left on this thread would end the process
                // (and the music with it). Count it, keep the first words, and go on with the next message.
                Volatile.Write(ref _lastFault, $"{e.GetType().Name}: {e.Message}");
                Interlocked.Increment(ref _faults);
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
        Futex.Wake(_signal, 1);
        _reader.Join();

        // rtmidi_close_port deactivates the JACK client: no callback runs after it returns.
        RtMidiNative.rtmidi_in_cancel_callback(_device);
        RtMidiNative.rtmidi_close_port(_device);
        RtMidiNative.rtmidi_in_free(_device);
        Free();
    }

    private void Free()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
        }

        NativeMemory.Free(_ring);
        NativeMemory.Free(_signal);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public long Timestamp;
        public int Length;
        public fixed byte Bytes[MaxMessageBytes];
    }
}
