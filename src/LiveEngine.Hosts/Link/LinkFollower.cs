using System.Diagnostics;
using LiveEngine.Commands;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// Makes the engine's musical clock follow an Ableton Link session, on its own thread (<c>liveengine link</c>,
/// every 10 ms). Control side: it allocates a little when it changes the tempo and never touches the audio thread,
/// which only ever sees ordinary tempo commands.
/// </summary>
/// <remarks>
/// <para><b>Time.</b> Link's host time is CLOCK_MONOTONIC_RAW in microseconds; the engine's clock line
/// (<see cref="LiveRenderer.SampleAtTimestamp"/>) maps CLOCK_MONOTONIC to the stream position at the start of the
/// latest block. Each tick reads both clocks back to back and gives the sample position at Link time 0,
/// <c>offset = sample(now) − linkNow · rate / 10⁶</c>; the estimate used is the largest offset of the last second
/// (a block that started late only ever lowers it), unless the readings stay more than a millisecond below it for
/// <see cref="ShiftTicks"/> ticks in a row: then the stream's schedule itself moved later (a driver that starts its
/// periods again from now after a stall), and the window starts again from those readings (<see cref="ClockOffsetWindow"/>). So sample <c>s</c> is heard at Link time
/// <c>(s − offset) · 10⁶ / rate + output latency</c>, and Link time <c>t</c> is sample
/// <c>offset + (t − output latency) · rate / 10⁶</c>.</para>
/// <para><b>Following.</b> A tick looks at sample <c>S</c>, 20 ms past the renderer's position, and compares the
/// engine's beat at <c>S</c> with the session's beat at the time <c>S</c> is heard, modulo the quantum. Alone in
/// the session, the session follows the engine (tempo and beat are pushed to Link). With peers, a tempo the engine
/// got from elsewhere (code, the REPL, MIDI clock) is pushed to the session; otherwise a different session tempo,
/// or a phase error over the tolerance, becomes two linear tempo ramps (<see cref="RampTempoCommand"/>, through the
/// ordinary command path) from the engine's tempo to a middle tempo and on to the session's, each 0.2 s long, whose
/// integral closes the phase error at the window's end. The middle tempo stays within a quarter of the session's,
/// so a large error (joining a session: up to half a quantum) is closed over several windows, and a new session
/// tempo is playing at most two windows (0.8 s) after the session took it. Tempos are rounded to 0.01 BPM
/// (so the clock's exact fractions keep small denominators); what rounding leaves is corrected by a later tick.</para>
/// </remarks>
public sealed class LinkFollower : IDisposable
{
    private const int TickMilliseconds = 10;
    private const int OffsetWindowTicks = 100;
    private const double LeadSeconds = 0.02;
    private const double HalfWindowSeconds = 0.2;
    private const double MaxDeviation = 0.25;
    private const int AloneTicksBeforeLeading = 100;
    private const int WarmUpTicks = 100;
    private const int ReadingTries = 3;

    // Ticks in a row whose readings lie more than a millisecond below the window's largest: the schedule moved (50 ms).
    private const int ShiftTicks = 5;

    // The widest a clock reading's two timestamps may lie apart: 50 µs (a reading takes about 1 µs).
    private static readonly long s_maxReadingTicks = Stopwatch.Frequency / 20_000;

    private readonly AbletonLink _link;
    private readonly ICommandTarget _commands;
    private readonly TempoMap _clock;
    private readonly LiveRenderer _renderer;
    private readonly LinkOptions _options;
    private readonly int _sampleRate;
    private readonly ClockOffsetWindow _offsets;
    private readonly Thread _thread;
    private readonly bool _ownsLink;
    private long _offsetBits;
    private long _busyUntilSample;
    private long _aloneTicks;
    private Fraction _expectedTempo;
    private long _corrections;
    private long _tempoPushes;
    private long _beatRequests;
    private long _ticks;
    private volatile bool _stopping;
    // The last tick's view, as plain fields (a tick allocates nothing unless it sends a command): the engine
    // process's steady state must not allocate, or its collections would pause the audio thread.
    private long _peers;
    private long _sessionTempoBits;
    private long _phaseErrorBits;
    private int _isPlaying;
    private long _playingSeenAtMicros;
    // Start/stop sync: the session's start/stop state and the engine's transport as this thread last saw or set them
    // (null before the first tick: only changes count, so joining a stopped session never silences the engine).
    private bool? _sessionPlaying;
    private bool _transportPlaying;
    private bool _resumePending;
    private long _transportChanges;
    private volatile string? _lastError;
    private long _quietTickBytes;

    /// <param name="link">The Link peer; it is enabled now, and disabled (and disposed, with <paramref name="ownsLink"/>) with the follower.</param>
    /// <param name="commands">Where the tempo ramps go: the session, or the engine that wraps it.</param>
    /// <param name="clock">The session's tempo map.</param>
    /// <param name="renderer">The session's audio side, for its clock line.</param>
    /// <param name="options">Quantum, output latency, start/stop sync.</param>
    /// <param name="ownsLink">Dispose <paramref name="link"/> with the follower.</param>
    public LinkFollower(AbletonLink link, ICommandTarget commands, TempoMap clock, LiveRenderer renderer, LinkOptions? options = null, bool ownsLink = false)
    {
        _ownsLink = ownsLink;
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(renderer);
        _link = link;
        _commands = commands;
        _clock = clock;
        _renderer = renderer;
        _options = options ?? new LinkOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Quantum, 0, nameof(options));
        _sampleRate = clock.SampleRate;
        _offsets = new ClockOffsetWindow(OffsetWindowTicks, ShiftTicks, shiftThreshold: _sampleRate / 1000.0);
        _expectedTempo = clock.TempoAt(renderer.Position);
        _link.EnableStartStopSync(_options.StartStopSync);
        UpdateOffset();
        _link.Enable(true);
        _thread = new Thread(Run) { IsBackground = true, Name = "liveengine link" };
        _thread.Start();
    }

    public LinkOptions Options => _options;

    /// <summary>The last tick's view of the session. Any thread.</summary>
    public LinkStatus Status => new(
        Interlocked.Read(ref _peers),
        BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sessionTempoBits)),
        Volatile.Read(ref _isPlaying) != 0,
        BitConverter.Int64BitsToDouble(Interlocked.Read(ref _phaseErrorBits)),
        Interlocked.Read(ref _corrections),
        Interlocked.Read(ref _tempoPushes),
        _lastError);

    /// <summary>Bytes allocated on the follower's thread by ticks that sent nothing to the session or to Link, after its first second (0 is the goal). Any thread.</summary>
    public long QuietTickAllocatedBytes => Interlocked.Read(ref _quietTickBytes);

    /// <summary>Link time (µs) at which <paramref name="sample"/> is heard. Any thread.</summary>
    public long HostMicrosAtSample(long sample) => (long)Math.Round((sample - Offset) * 1e6 / _sampleRate) + _options.OutputLatencyMicros;

    /// <summary>The sample heard at Link time <paramref name="micros"/>. Any thread.</summary>
    public long SampleAtHostMicros(long micros) => (long)Math.Round(Offset + ((micros - _options.OutputLatencyMicros) * _sampleRate / 1e6));

    /// <summary>Link's clock now (µs).</summary>
    public long ClockMicros => _link.ClockMicros;

    /// <summary>The session's state at Link time <paramref name="micros"/>, for this follower's quantum.</summary>
    public LinkState SessionAt(long micros) => _link.Capture(micros, _options.Quantum);

    /// <summary>Starts or stops the session (with start/stop sync, every peer that shares it), now; returns that Link time (µs).</summary>
    public long SetPlaying(bool playing)
    {
        long now = _link.ClockMicros;
        _link.SetIsPlaying(playing, now);
        return now;
    }

    /// <summary>Times this follower stopped or started the engine's transport for the session. Any thread.</summary>
    public long TransportChanges => Interlocked.Read(ref _transportChanges);

    /// <summary>The Link time (µs) at which a tick first saw the session's current start/stop state. Any thread.</summary>
    public long PlayingSeenAtMicros => Interlocked.Read(ref _playingSeenAtMicros);

    public void Dispose()
    {
        _stopping = true;
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _link.Enable(false);
        if (_ownsLink)
        {
            _link.Dispose();
        }
    }

    private double Offset => BitConverter.Int64BitsToDouble(Volatile.Read(ref _offsetBits));

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                long sent = _corrections + _tempoPushes + _beatRequests + _transportChanges;
                UpdateOffset();
                Tick();
                if (_corrections + _tempoPushes + _beatRequests + _transportChanges == sent && ++_ticks > WarmUpTicks)
                {
                    Interlocked.Add(ref _quietTickBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException)
            {
                // A tempo command refused (a commit landing later than the change): try again next tick.
                _lastError = e.Message;
            }

            Thread.Sleep(TickMilliseconds);
        }
    }

    /// <summary>
    /// One reading of the clock line against Link's clock, into the one-second window of offsets. Link's clock is read
    /// between two timestamps and taken at their midpoint; a reading whose thread was descheduled between them is off
    /// by up to half that gap, and the window's maximum would keep one that came out high for a second (a 3 ms stall
    /// on a loaded machine put two engines 1.5 ms apart). So the tightest of a few tries is kept, and none at all
    /// when even that one is wider than 50 µs (the window keeps the earlier readings).
    /// </summary>
    private void UpdateOffset()
    {
        long bestGap = long.MaxValue;
        long linkNow = 0;
        long middle = 0;
        for (int i = 0; i < ReadingTries && bestGap > s_maxReadingTicks; i++)
        {
            long before = Stopwatch.GetTimestamp();
            long link = _link.ClockMicros;
            long after = Stopwatch.GetTimestamp();
            if (after - before < bestGap)
            {
                bestGap = after - before;
                linkNow = link;
                middle = before + ((after - before) / 2);
            }
        }

        if (bestGap > s_maxReadingTicks && _offsets.Count > 0)
        {
            return;
        }

        long sample = _renderer.SampleAtTimestamp(middle);
        double best = _offsets.Add(sample - (linkNow * (_sampleRate / 1e6)));
        Volatile.Write(ref _offsetBits, BitConverter.DoubleToInt64Bits(best));
    }

    private void Tick()
    {
        long at = _renderer.Position + (long)(LeadSeconds * _sampleRate);
        long peers = _link.Peers;
        long hostAt = HostMicrosAtSample(at);
        LinkState session = _link.Capture(hostAt, _options.Quantum);
        Fraction engineTempo = _clock.TempoAt(at);
        Fraction engineBeat = _clock.BeatAt(at);
        double error = Wrap(session.Beat - engineBeat.ToDouble(), _options.Quantum);
        double errorMs = error * 60_000 / session.Tempo;
        Interlocked.Exchange(ref _peers, peers);
        Interlocked.Exchange(ref _sessionTempoBits, BitConverter.DoubleToInt64Bits(session.Tempo));
        Interlocked.Exchange(ref _phaseErrorBits, BitConverter.DoubleToInt64Bits(errorMs));
        int playing = session.IsPlaying ? 1 : 0;
        if (playing != _isPlaying)
        {
            Interlocked.Exchange(ref _playingSeenAtMicros, _link.ClockMicros);
        }

        Volatile.Write(ref _isPlaying, playing);
        if (_options.StartStopSync && !FollowStartStop(session.IsPlaying, _clock.BeatAt(_renderer.Position)))
        {
            // The transport is stopped: the clock holds, so there is no phase to follow until it starts again.
            return;
        }

        if (at < _busyUntilSample || _clock.LastChangeSample > at)
        {
            // A correction still running, or a tempo change scheduled later (from code): wait for it.
            return;
        }

        _aloneTicks = peers == 0 ? _aloneTicks + 1 : 0;
        if (peers == 0)
        {
            // Alone: the session follows the engine. Its beat is moved only after a second alone: a peer that just
            // joined (or a peer count that dropped for a moment) must not have the whole session's phase moved.
            if (Math.Abs(session.Tempo - engineTempo.ToDouble()) > 1e-9)
            {
                _link.SetTempo(engineTempo.ToDouble(), hostAt);
                _tempoPushes++;
            }

            if (_aloneTicks >= AloneTicksBeforeLeading && Math.Abs(errorMs) > _options.PhaseToleranceMs / 10)
            {
                _link.RequestBeatAtTime(engineBeat.ToDouble(), hostAt, _options.Quantum);
                _beatRequests++;
            }

            _expectedTempo = engineTempo;
            return;
        }

        if (engineTempo != _expectedTempo)
        {
            // A tempo set here (code, the REPL, MIDI clock) since the last tick: the session takes it.
            _link.SetTempo(engineTempo.ToDouble(), hostAt);
            _expectedTempo = engineTempo;
            _tempoPushes++;
            return;
        }

        Fraction target = RoundTempo(session.Tempo);
        if (target == engineTempo && Math.Abs(errorMs) < _options.PhaseToleranceMs)
        {
            return;
        }

        Correct(at, engineTempo, target, error);
    }

    /// <summary>
    /// Start/stop sync with the engine's transport. A stop by another peer stops the transport (silence, the clock
    /// holds); a start by another peer starts it again at the moment the session's beat reaches the engine's held beat
    /// modulo the quantum, so the music goes on in phase with the session (within a tick and a block; the usual
    /// correction closes the rest). A stop or start made here (<c>:stop</c>, <c>:play</c>) goes to the session. Returns
    /// whether the transport plays.
    /// </summary>
    private bool FollowStartStop(bool sessionPlaying, Fraction heldBeat)
    {
        bool transport = _renderer.Playing;
        if (_sessionPlaying is not { } seen)
        {
            _sessionPlaying = sessionPlaying;
            _transportPlaying = transport;
            return transport;
        }

        if (transport != _transportPlaying)
        {
            // The performer stopped or started the engine: the session takes it.
            _transportPlaying = transport;
            _resumePending = false;
            ResetOffsets();
            if (sessionPlaying != transport)
            {
                _link.SetIsPlaying(transport, _link.ClockMicros);
                _sessionPlaying = transport;
            }

            return transport;
        }

        if (sessionPlaying != seen)
        {
            _sessionPlaying = sessionPlaying;
            _resumePending = sessionPlaying && !transport;
            if (!sessionPlaying && transport)
            {
                SetTransport(false);
                return false;
            }
        }

        if (_resumePending)
        {
            // The transport starts with the next device block, heard about the output latency after now: start it
            // when the session's beat then reaches the held beat's phase (waiting here for the last part of a tick).
            long now = _link.ClockMicros;
            LinkState then = _link.Capture(now + _options.OutputLatencyMicros, _options.Quantum);
            double behind = heldBeat.ToDouble() - then.Beat;
            double beats = behind - (_options.Quantum * Math.Floor(behind / _options.Quantum));
            double waitMs = beats * 60_000 / then.Tempo;
            if (waitMs < TickMilliseconds || waitMs > (_options.Quantum * 60_000 / then.Tempo) - 1)
            {
                if (waitMs < TickMilliseconds)
                {
                    SpinUntil(now + (long)(waitMs * 1000));
                }

                _resumePending = false;
                SetTransport(true);
                return true;
            }
        }

        return _transportPlaying;
    }

    private void SetTransport(bool playing)
    {
        _commands.Execute(new TransportCommand(playing));
        _transportPlaying = playing;
        ResetOffsets();
        Interlocked.Increment(ref _transportChanges);
    }

    /// <summary>Waits until Link's clock reaches <paramref name="micros"/> (at most a tick): sleeps, then spins the last millisecond.</summary>
    private void SpinUntil(long micros)
    {
        while (_link.ClockMicros < micros - 1_500)
        {
            Thread.Sleep(1);
        }

        while (_link.ClockMicros < micros)
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>The clock line's offsets from before a stop or start no longer map Link time to samples.</summary>
    private void ResetOffsets()
    {
        _offsets.Clear();
    }

    /// <summary>Two ramps, <paramref name="from"/> → middle → <paramref name="target"/>, whose beats close <paramref name="error"/> beats.</summary>
    private void Correct(long at, Fraction from, Fraction target, double error)
    {
        double v0 = from.ToDouble();
        double v1 = target.ToDouble();
        long half = (long)Math.Round(HalfWindowSeconds * _sampleRate);
        double halfMinutes = half / (60.0 * _sampleRate);

        // beats over both halves = H(v0 + vm)/2 + H(vm + v1)/2 = error + 2H·v1, so vm = error/H + (3v1 − v0)/2.
        double middle = (error / halfMinutes) + (((3 * v1) - v0) / 2);
        // A large error (joining a session) is closed over several windows, so a new session tempo is taken up within two.
        Fraction vm = RoundTempo(Math.Clamp(middle, Math.Max(1, v1 * (1 - MaxDeviation)), Math.Min(1000, v1 * (1 + MaxDeviation))));

        CommandReceipt first = _commands.Execute(new RampTempoCommand(vm, BeatsOver(half, from), Quantization.AtBeat(_clock.BeatAt(at))));
        CommandReceipt second = _commands.Execute(new RampTempoCommand(target, BeatsOver(half, vm), Quantization.AtBeat(_clock.BeatAt(first.EndSample))));
        _expectedTempo = target;
        _busyUntilSample = second.EndSample;
        _corrections++;
    }

    private Fraction BeatsOver(long samples, Fraction bpm) => Fraction.Create((Int128)samples * bpm.Numerator, (Int128)60 * _sampleRate * bpm.Denominator);

    private static Fraction RoundTempo(double bpm) => Fraction.Create((long)Math.Round(bpm * 100), 100);

    /// <summary><paramref name="beats"/> modulo <paramref name="quantum"/>, in [−quantum/2, quantum/2).</summary>
    public static double Wrap(double beats, double quantum)
    {
        double r = beats - (quantum * Math.Floor(beats / quantum));
        return r >= quantum / 2 ? r - quantum : r;
    }
}
