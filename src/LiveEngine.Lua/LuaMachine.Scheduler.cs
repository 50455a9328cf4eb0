using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Lua.Native;
using LiveEngine.Time;

namespace LiveEngine.Lua;

/// <summary>
/// Timed callbacks. Each has its next musical time as an exact <see cref="Fraction"/> of beats; <see cref="RunDue"/>
/// runs, in time order, every callback due before a horizon, and each event a callback emits is stamped with the
/// callback's time plus its offset — so events land on exact samples however late or slow the Lua code runs.
/// The path from a due callback to its delivered events allocates nothing (fixed arrays, structs, cached strings).
/// </summary>
internal sealed unsafe partial class LuaMachine
{
    private Callback[] _callbacks = new Callback[64];
    private int _callbackCount;
    private long _nextCallbackId = 1;
    private ScheduledEvent[] _events = new ScheduledEvent[1024];
    private int _eventCount;
    private bool _inCallback;
    private Fraction _currentBeat;
    private long _pumpedPosition;
    private bool _inEvaluation;
    private long _evaluationCommitSample = -1;
    private bool _evaluationReplaces;
    private bool _deliveryFailing;
    private IScheduledEventSink? _sink;

    /// <summary>Where events go; by default the session (as parameter events and triggers).</summary>
    internal IScheduledEventSink Sink
    {
        get => _sink ??= new SessionEventSink(this);
        set => _sink = value;
    }

    /// <summary>Callbacks that are running (not counting those staged by an evaluation in progress).</summary>
    public int ActiveCallbacks
    {
        get
        {
            int count = 0;
            for (int i = 0; i < _callbackCount; i++)
            {
                count += _callbacks[i].Staged ? 0 : 1;
            }

            return count;
        }
    }

    /// <summary>Samples ahead of the audio position that <see cref="Pump"/> runs callbacks.</summary>
    public long LookaheadSamples => (long)Math.Round(_limits.Lookahead.TotalSeconds * _session.Options.SampleRate);

    /// <summary>Runs every callback due before <paramref name="position"/> + <see cref="LookaheadSamples"/>.</summary>
    public void Pump(long position)
    {
        _pumpedPosition = Math.Max(_pumpedPosition, position);
        RunDue(_session.Clock.BeatAt(position + LookaheadSamples));
    }

    /// <summary>Runs, in time order (ties in the order they were made), every callback whose time is before <paramref name="horizonBeat"/>.</summary>
    internal void RunDue(Fraction horizonBeat)
    {
        while (true)
        {
            // A replaced piece's callbacks go once their next run is where the new piece's graph lands.
            for (int i = _callbackCount - 1; i >= 0; i--)
            {
                if (_callbacks[i].Retiring && _callbacks[i].Next >= _callbacks[i].Until)
                {
                    RemoveAt(i);
                }
            }

            int index = -1;
            for (int i = 0; i < _callbackCount; i++)
            {
                ref Callback c = ref _callbacks[i];
                if (!c.Staged && c.Next < horizonBeat && (index < 0 || c.Next < _callbacks[index].Next))
                {
                    index = i;
                }
            }

            if (index < 0)
            {
                return;
            }

            RunCallback(index);
        }
    }

    private void RunCallback(int index)
    {
        Callback callback = _callbacks[index];
        nint co = _co.Handle;
        LuaNative.SetTop(co, 0);
        LuaNative.RawGetInteger(co, LuaNative.RegistryIndex, callback.Function);
        long tick = callback.Once ? 0 : (callback.Next / callback.Interval).Floor();
        LuaNative.PushInteger(co, tick);
        LuaNative.PushNumber(co, callback.Next.ToDouble());
        _inCallback = true;
        _currentBeat = callback.Next;
        _eventCount = 0;
        string? error = Resume(2, _limits.CallbackTimeout, _limits.CallbackInstructions);
        _inCallback = false;
        LuaNative.SetTop(_co.Handle, 0);

        // The callback may have stopped itself or others, or added some: find it again by id.
        int at = Find(callback.Id);
        if (error is not null)
        {
            _eventCount = 0;
            if (at >= 0)
            {
                RemoveAt(at);
            }

            ReportFailure(callback, error);
            return;
        }

        IScheduledEventSink sink = Sink;
        for (int i = 0; i < _eventCount; i++)
        {
            string? failure = sink.Deliver(in _events[i], out bool refused);
            if (failure is null)
            {
                _deliveryFailing = false;
                continue;
            }

            if (refused && !LatestGraphHas(_events[i].Node))
            {
                // The graph no longer has what this callback plays (another piece was loaded, a commit was undone):
                // every later run would be refused too, so it stops now, with one notice instead of one per event.
                // A node that the latest commit has but that has not landed yet (a callback started in the bar
                // before its graph) is not gone: that event is dropped below and the callback goes on.
                _eventCount = 0;
                if (at >= 0)
                {
                    RemoveAt(at);
                }

                Diagnostics?.Invoke($"{DescribeCallback(callback)} was stopped: {failure}");
                return;
            }

            // The session could not be reached (an engine being replaced), or the event's node lands later: said
            // once until an event gets through.
            if (!_deliveryFailing)
            {
                _deliveryFailing = true;
                Diagnostics?.Invoke($"event at beat {_events[i].Beat} dropped: {failure}");
            }
        }

        _eventCount = 0;
        if (at < 0)
        {
            return;
        }

        if (callback.Once)
        {
            RemoveAt(at);
        }
        else
        {
            _callbacks[at].Next = callback.Next + callback.Interval;
        }
    }

    /// <summary>Whether the latest committed graph (landed or not) has a node <paramref name="id"/>. Control side; only on a refusal.</summary>
    private bool LatestGraphHas(string id)
    {
        foreach (NodeSpec node in _session.Graph.Nodes)
        {
            if (node.Id == id)
            {
                return true;
            }
        }

        return false;
    }

    private void ReportFailure(in Callback callback, string error)
    {
        string name = callback.Name is null ? "a callback" : $"callback '{callback.Name}'";
        Diagnostics?.Invoke($"{error} ({name} at beat {callback.Next} was disabled; the others go on)");
    }

    private static string DescribeCallback(in Callback callback) =>
        (callback.Name is null ? "a callback" : $"callback '{callback.Name}'") + $" (at beat {callback.Next})";

    private void Emit(in ScheduledEvent e)
    {
        if (_eventCount == _events.Length)
        {
            Array.Resize(ref _events, _events.Length * 2);
        }

        _events[_eventCount++] = e;
    }

    /// <summary>The current musical time: a callback's own time inside one, else the audio position (or the pumped one, if later).</summary>
    private Fraction NowBeat() => _inCallback
        ? _currentBeat
        : _session.Clock.BeatAt(Math.Max(_session.Position, _pumpedPosition));

    private void AddCallback(string? name, int function, Fraction interval, Fraction phase, bool once, bool absolute)
    {
        if (_callbackCount == _callbacks.Length)
        {
            Array.Resize(ref _callbacks, _callbacks.Length * 2);
        }

        _callbacks[_callbackCount++] = new Callback
        {
            Id = _nextCallbackId++,
            Name = name,
            Function = function,
            Interval = interval,
            Phase = phase,
            Once = once,
            Absolute = absolute,
            Staged = true,
        };

        // Made by a callback: it starts from that callback's time at once. Made by an evaluation: when it ends.
        if (!_inEvaluation)
        {
            Activate(_callbackCount - 1, NowBeat());
        }
    }

    private void BeginEvaluation(bool replacesPiece)
    {
        _inEvaluation = true;
        _evaluationCommitSample = -1;
        _evaluationReplaces = replacesPiece;
    }

    /// <summary>
    /// The sample where the last evaluation's graph lands (its latest commit), or -1 if it committed nothing.
    /// </summary>
    public long LastEvaluationCommitSample => _evaluationCommitSample;

    /// <summary>
    /// Retires every callback running now: each still runs while it is due before <paramref name="untilBeat"/>, and
    /// none runs at or after it (the point where another piece's graph lands). Callbacks made later are not touched.
    /// </summary>
    public void RetireCallbacks(Fraction untilBeat)
    {
        for (int i = 0; i < _callbackCount; i++)
        {
            ref Callback c = ref _callbacks[i];
            if (!c.Staged && (!c.Retiring || untilBeat < c.Until))
            {
                c.Retiring = true;
                c.Until = untilBeat;
            }
        }
    }

    private void EndEvaluation() => _inEvaluation = false;

    /// <summary>Starts the callbacks an evaluation made: not before its commit lands, so that they find its nodes.</summary>
    private void ActivateStaged()
    {
        Fraction start = NowBeat();
        if (_evaluationCommitSample >= 0)
        {
            Fraction commit = _session.Clock.BeatAt(_evaluationCommitSample);
            start = commit > start ? commit : start;
        }

        // A piece loaded in place of another: the old piece's callbacks end where the new graph lands.
        if (_evaluationReplaces)
        {
            RetireCallbacks(start);
        }

        for (int i = 0; i < _callbackCount; i++)
        {
            if (_callbacks[i].Staged)
            {
                Activate(i, start);
            }
        }
    }

    private void Activate(int index, Fraction start)
    {
        ref Callback c = ref _callbacks[index];
        c.Staged = false;
        if (c.Once)
        {
            c.Next = c.Absolute ? c.Phase : start + c.Phase;
        }
        else
        {
            // The first point of the grid phase + k·interval at or after start: loops keep their phase across re-evaluation.
            Fraction steps = (start - c.Phase) / c.Interval;
            c.Next = c.Phase + (c.Interval * steps.Ceiling());
        }

        // A named callback replaces the running one of that name (a re-evaluated loop).
        if (c.Name is not null)
        {
            string name = c.Name;
            long id = c.Id;
            for (int i = _callbackCount - 1; i >= 0; i--)
            {
                if (_callbacks[i].Id != id && !_callbacks[i].Staged && _callbacks[i].Name == name)
                {
                    RemoveAt(i);
                }
            }
        }
    }

    private void DiscardStaged()
    {
        _evaluationReplaces = false;
        for (int i = _callbackCount - 1; i >= 0; i--)
        {
            if (_callbacks[i].Staged)
            {
                RemoveAt(i);
            }
        }

        _inEvaluation = false;
    }

    /// <summary>Removes the callbacks named <paramref name="name"/> (all of them when null). Returns how many.</summary>
    private int RemoveCallbacks(string? name)
    {
        int removed = 0;
        for (int i = _callbackCount - 1; i >= 0; i--)
        {
            if (name is null || _callbacks[i].Name == name)
            {
                RemoveAt(i);
                removed++;
            }
        }

        return removed;
    }

    private int Find(long id)
    {
        for (int i = 0; i < _callbackCount; i++)
        {
            if (_callbacks[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private void RemoveAt(int index)
    {
        _lua.Unref(KeraLua.LuaRegistry.Index, _callbacks[index].Function);
        Array.Copy(_callbacks, index + 1, _callbacks, index, _callbackCount - index - 1);
        _callbacks[--_callbackCount] = default;
    }

    private struct Callback
    {
        public long Id;
        public string? Name;
        public int Function;
        public Fraction Interval;
        public Fraction Phase;
        public Fraction Next;
        public bool Once;
        public bool Absolute;
        public bool Staged;
        public bool Retiring;
        public Fraction Until;
    }

    /// <summary>Delivers events to the session: parameter events and triggers at the sample of their beat.</summary>
    private sealed class SessionEventSink(LuaMachine machine) : IScheduledEventSink
    {
        public string? Deliver(in ScheduledEvent e, out bool refused)
        {
            refused = false;
            try
            {
                if (e.Kind == ScheduledEventKind.Set)
                {
                    machine._session.SetParameter(e.Node, e.Parameter, e.Value, Quantization.AtBeat(e.Beat));
                }
                else
                {
                    machine._session.Trigger(e.Node, Quantization.AtBeat(e.Beat), e.LengthBeats, e.Parameter, e.Value, e.OffValue);
                }

                return null;
            }
            catch (ArgumentException ex)
            {
                // The session's own refusal (no such node or parameter at that time, a value out of range).
                refused = true;
                return ex.Message;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An engine that cannot be reached: this event is lost, the callback goes on.
                return ex.Message;
            }
        }
    }
}
