using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Live;
using LiveEngine.Midi.Translation;
using LiveEngine.Midi.Ump;

namespace LiveEngine.Midi.Control;

/// <summary>
/// Centralised MIDI control: banks of controller slots (32 each by default) that map controllers (CC, RPN/NRPN,
/// per-note controllers, pitch bend, pressure; any group and channel) onto named variables or node parameters, with
/// range, curve, smoothing and soft takeover; a bank switch by command or by Program Change; learn mode; JSON save
/// and load. Every transport (RtMidi, Network MIDI 2.0) and every front end (Lua, C#, REPL, socket) talks to this one
/// object. MIDI 1.0 input (bytes or MT 0x2 UMP) is first translated to MIDI 2.0 (<see cref="Midi1ToMidi2"/>), so
/// an NRPN sequence is one controller move.
/// A slot that drives a node parameter is a controller lane of the engine (lane = slot of the active bank,
/// <see cref="LiveEngine.Commands.BindControllerCommand"/>): the engine maps, smooths and soft-takes-over each move on the render
/// thread, per sample, on the sample of the message's timestamp (docs/midi.md, "Timing"). A slot that drives a named
/// variable is evaluated here (variables live on the control side, where code reads them).
/// Thread-safe: one lock guards the banks and slot state and is never held across a call to the session (which may
/// be a round trip to the engine process): what goes to the session is queued in order under the lock and sent after
/// it, by one thread at a time. Errors (an unknown node, a value out of range) are counted and kept in
/// <see cref="LastError"/>, never thrown out of <see cref="Receive"/>.
/// </summary>
public sealed class MidiControl
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly object _gate = new();
    private readonly ILiveSession? _session;
    private readonly NamedVariables _variables;
    private readonly Midi1ToMidi2 _translator = new();
    private readonly Midi1ByteParser _byteParser = new();
    private readonly List<ControllerBank> _banks = [];
    private SlotState[] _states;
    private int _active;
    private LearnRequest? _learn;
    private ControlSource? _bankSwitch;
    private long _timestampSample = -1;
    private long _arrivalTimestamp;

    // Which engine lanes this control has bound (a slot of the active bank that drives a parameter). Under _gate.
    private readonly bool[] _laneBound = new bool[ControllerLane.Capacity];

    // Session calls, queued in order under _gate and sent after it by one thread at a time (_sending).
    private readonly ConcurrentQueue<Outgoing> _outbox = new();
    private int _sending;
    private long _messages;
    private long _applied;
    private long _held;
    private long _errors;
    private long _lastParameterSample = -1;

    /// <summary>Control that can drive named variables and parameters of <paramref name="session"/>.</summary>
    public MidiControl(ILiveSession session, int bankSize = ControllerBank.DefaultSize)
        : this(session.Variables, session, bankSize)
    {
    }

    /// <summary>Control that drives named variables only (no session: parameter targets are errors).</summary>
    public MidiControl(NamedVariables variables, int bankSize = ControllerBank.DefaultSize)
        : this(variables, null, bankSize)
    {
    }

    private MidiControl(NamedVariables variables, ILiveSession? session, int bankSize)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _variables = variables;
        _session = session;
        _banks.Add(new ControllerBank("bank1", bankSize));
        _states = new SlotState[bankSize];
    }

    /// <summary>
    /// Raised after each value a binding wrote: (target, value, sample). For a parameter, the value its lane moves to
    /// (before smoothing) and the sample where the move lands; for a variable, the audio position when it was set. On
    /// the thread that sent it, outside the lock; a session log records these so that a replay hears the controllers
    /// too. Keep handlers short.
    /// </summary>
    public event Action<ControlTarget, double, long>? ValueWritten;

    /// <summary>Raised (on the receiving thread, outside the lock) when learn mode bound a slot: (bank, slot, binding).</summary>
    public event Action<int, int, ControllerBinding>? Learned;

    /// <summary>Raised when the active bank changes: (index, name).</summary>
    public event Action<int, string>? BankSwitched;

    /// <summary>Messages received (after MIDI 1.0 translation).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Values written to a variable, and moves sent to a parameter's engine lane.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Moves of variable slots ignored by soft takeover (the engine counts its lanes' own: <see cref="LiveRenderer.ControllerMovesHeld"/>).</summary>
    public long HeldBySoftTakeover => Interlocked.Read(ref _held);

    /// <summary>Writes that failed (unknown node or parameter, value out of range).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError { get; private set; }

    /// <summary>The sample on which the last parameter move lands (from <see cref="LiveEngine.Commands.MoveControllerCommand"/>).</summary>
    public long LastParameterSample => Interlocked.Read(ref _lastParameterSample);

    /// <summary>A source whose Program Change selects the bank with that number (null: banks switch by command only).</summary>
    public ControlSource? BankSwitchSource
    {
        get { lock (_gate) { return _bankSwitch; } }
        set { lock (_gate) { _bankSwitch = value; } }
    }

    public int ActiveBank
    {
        get { lock (_gate) { return _active; } }
    }

    public IReadOnlyList<string> BankNames
    {
        get { lock (_gate) { return [.. _banks.Select(b => b.Name)]; } }
    }

    public bool IsLearning
    {
        get { lock (_gate) { return _learn is not null; } }
    }

    /// <summary>Adds a bank; returns its index.</summary>
    public int AddBank(string name, int size = ControllerBank.DefaultSize)
    {
        lock (_gate)
        {
            if (_banks.Any(b => b.Name == name))
            {
                throw new ArgumentException($"There is already a bank named '{name}'.", nameof(name));
            }

            _banks.Add(new ControllerBank(name, size));
            return _banks.Count - 1;
        }
    }

    /// <summary>Puts <paramref name="binding"/> in slot <paramref name="slot"/> of bank <paramref name="bank"/>.</summary>
    public void Bind(int bank, int slot, ControllerBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        binding.Validate();
        lock (_gate)
        {
            BindLocked(bank, slot, binding);
        }

        Flush();
    }

    /// <summary>Puts <paramref name="binding"/> in the first free slot of the active bank; returns the slot.</summary>
    public int Bind(ControllerBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        binding.Validate();
        int slot;
        lock (_gate)
        {
            slot = Array.IndexOf(_banks[_active].Slots, null);
            if (slot < 0)
            {
                throw new InvalidOperationException($"Bank '{_banks[_active].Name}' is full ({_banks[_active].Slots.Length} slots).");
            }

            BindLocked(_active, slot, binding);
        }

        Flush();
        return slot;
    }

    public void Unbind(int bank, int slot)
    {
        lock (_gate)
        {
            ControllerBank b = BankAt(bank);
            SlotIndex(b, slot);
            b.Slots[slot] = null;
            if (bank == _active)
            {
                QueueLaneLocked(slot, null);
            }
        }

        Flush();
    }

    public ControllerBinding? BindingAt(int bank, int slot)
    {
        lock (_gate)
        {
            ControllerBank b = BankAt(bank);
            SlotIndex(b, slot);
            return b.Slots[slot];
        }
    }

    /// <summary>
    /// Arms learn mode: the next controller moved (any source but Program Change) is bound to
    /// <paramref name="target"/> in the given slot with the given mapping, and <see cref="Learned"/> is raised.
    /// </summary>
    public void Learn(int bank, int slot, ControlTarget target, double min = 0, double max = 1, ControlCurve curve = ControlCurve.Linear, double smoothingMs = 0, bool softTakeover = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        lock (_gate)
        {
            SlotIndex(BankAt(bank), slot);
            CheckLane(slot, target);
            _learn = new LearnRequest(bank, slot, new ControllerBinding(new ControlSource(ControlSourceKind.ControlChange), target, min, max, curve, smoothingMs, softTakeover));
        }
    }

    public void CancelLearn()
    {
        lock (_gate)
        {
            _learn = null;
        }
    }

    public void SwitchBank(int index)
    {
        string name;
        lock (_gate)
        {
            BankAt(index);
            name = SwitchBankLocked(index);
        }

        Flush();
        BankSwitched?.Invoke(index, name);
    }

    public void SwitchBank(string name)
    {
        int index;
        lock (_gate)
        {
            index = _banks.FindIndex(b => b.Name == name);
        }

        if (index < 0)
        {
            throw new ArgumentException($"No bank is named '{name}'.", nameof(name));
        }

        SwitchBank(index);
    }

    /// <summary>
    /// Handles one message (any protocol). <paramref name="atSample"/> is the engine sample the message belongs to,
    /// when the transport can tell; <paramref name="arrivalTimestamp"/> the <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp of its arrival, which the engine maps to a sample with a constant latency (docs/midi.md, "Timing").
    /// Without either, a parameter move lands at the next block. Never throws.
    /// </summary>
    public void Receive(in UmpMessage message, long? atSample = null, long arrivalTimestamp = 0)
    {
        var sink = new Sink(this);
        lock (_gate)
        {
            _timestampSample = atSample ?? -1;
            _arrivalTimestamp = arrivalTimestamp;
            _translator.Translate(message, ref sink);
        }

        Flush();
        sink.RaiseEvents();
    }

    /// <summary>Handles a MIDI 1.0 byte stream (running status, SysEx and real time included), stamped as by <see cref="Receive"/>. Never throws.</summary>
    public void ReceiveMidi1(ReadOnlySpan<byte> bytes, long? atSample = null, long arrivalTimestamp = 0)
    {
        var sink = new Sink(this);
        lock (_gate)
        {
            _timestampSample = atSample ?? -1;
            _arrivalTimestamp = arrivalTimestamp;
            var translate = new TranslateSink(this, sink);
            _byteParser.Feed(bytes, ref translate);
            sink = translate.Inner;
        }

        Flush();
        sink.RaiseEvents();
    }

    /// <summary>
    /// Advances the smoothing of variable slots by <paramref name="seconds"/>: each moves toward its target as a
    /// one-pole filter with the slot's time constant. A host calls it every few milliseconds from a control thread.
    /// (Parameter slots smooth in the engine, per sample.)
    /// </summary>
    public void Advance(double seconds)
    {
        lock (_gate)
        {
            ControllerBank bank = _banks[_active];
            for (int i = 0; i < _states.Length; i++)
            {
                ref SlotState state = ref _states[i];
                ControllerBinding? binding = bank.Slots[i];
                if (!state.Smoothing || binding is null)
                {
                    continue;
                }

                double k = 1 - Math.Exp(-seconds * 1000 / binding.SmoothingMs);
                state.Current += (state.Target - state.Current) * k;
                double tolerance = 1e-9 * Math.Max(1, Math.Abs(binding.Max - binding.Min));
                if (Math.Abs(state.Target - state.Current) <= tolerance)
                {
                    state.Current = state.Target;
                    state.Smoothing = false;
                }

                WriteVariableLocked(binding, state.Current);
            }
        }
    }

    /// <summary>The banks, bindings, active bank and bank-switch source as JSON (saved with the session).</summary>
    public string SaveJson()
    {
        lock (_gate)
        {
            var state = new MidiControlState(
                [.. _banks.Select(b => new MidiControlState.Bank(b.Name, b.Slots.Length, [.. b.Slots.Select((s, i) => (s, i)).Where(p => p.s is not null).Select(p => new MidiControlState.Slot(p.i, p.s!))]))],
                _active,
                _bankSwitch);
            return JsonSerializer.Serialize(state, s_json);
        }
    }

    /// <summary>Replaces every bank and binding with those of <paramref name="json"/> (from <see cref="SaveJson"/>). On an error nothing changes.</summary>
    public void LoadJson(string json)
    {
        MidiControlState state = JsonSerializer.Deserialize<MidiControlState>(json, s_json)
            ?? throw new ArgumentException("The MIDI control JSON is empty.", nameof(json));
        if (state.Banks is null || state.Banks.Count == 0)
        {
            throw new ArgumentException("The MIDI control JSON has no banks.", nameof(json));
        }

        var banks = new List<ControllerBank>();
        foreach (MidiControlState.Bank saved in state.Banks)
        {
            var bank = new ControllerBank(saved.Name, saved.Size);
            foreach (MidiControlState.Slot slot in saved.Slots ?? [])
            {
                SlotIndex(bank, slot.Index);
                slot.Binding.Validate();
                bank.Slots[slot.Index] = slot.Binding;
            }

            banks.Add(bank);
        }

        if ((uint)state.ActiveBank >= (uint)banks.Count)
        {
            throw new ArgumentException($"The active bank {state.ActiveBank} does not exist.", nameof(json));
        }

        lock (_gate)
        {
            _banks.Clear();
            _banks.AddRange(banks);
            _bankSwitch = state.BankSwitch;
            _learn = null;
            SwitchBankLocked(state.ActiveBank);
        }

        Flush();
    }

    private void BindLocked(int bank, int slot, ControllerBinding binding)
    {
        ControllerBank b = BankAt(bank);
        SlotIndex(b, slot);
        CheckLane(slot, binding.Target);
        b.Slots[slot] = binding;
        if (bank == _active)
        {
            _states[slot] = default;
            QueueLaneLocked(slot, binding);
        }
    }

    private void CheckLane(int slot, ControlTarget target)
    {
        if (!target.IsVariable && _session is not null && slot >= ControllerLane.Capacity)
        {
            throw new ArgumentException($"Slot {slot + 1} cannot drive a parameter: the engine has {ControllerLane.Capacity} controller lanes.", nameof(slot));
        }
    }

    private string SwitchBankLocked(int index)
    {
        _active = index;
        // A new bank starts from scratch: soft takeover must pick each value up again, smoothing stops (the engine
        // restarts every lane it rebinds).
        ControllerBinding?[] slots = _banks[index].Slots;
        _states = new SlotState[slots.Length];
        for (int i = 0; i < _laneBound.Length; i++)
        {
            ControllerBinding? binding = i < slots.Length ? slots[i] : null;
            if (_laneBound[i] || binding is { Target.IsVariable: false })
            {
                QueueLaneLocked(i, binding);
            }
        }

        return _banks[index].Name;
    }

    /// <summary>Queues the engine lane of <paramref name="slot"/> (of the active bank) to follow <paramref name="binding"/>, or to be freed.</summary>
    private void QueueLaneLocked(int slot, ControllerBinding? binding)
    {
        if (_session is null || slot >= ControllerLane.Capacity)
        {
            return;
        }

        if (binding is { Target: { IsVariable: false } target })
        {
            _outbox.Enqueue(new Outgoing(new ControllerLane(slot, target.Node, target.Parameter, binding.Min, binding.Max, (ControllerCurve)binding.Curve, binding.SmoothingMs, binding.SoftTakeover), null, 0, -1, 0));
            _laneBound[slot] = true;
        }
        else if (_laneBound[slot])
        {
            _outbox.Enqueue(new Outgoing(ControllerLane.Free(slot), null, 0, -1, 0));
            _laneBound[slot] = false;
        }
    }

    private ControllerBank BankAt(int bank) =>
        (uint)bank < (uint)_banks.Count ? _banks[bank] : throw new ArgumentOutOfRangeException(nameof(bank), bank, $"There are {_banks.Count} banks.");

    private static void SlotIndex(ControllerBank bank, int slot)
    {
        if ((uint)slot >= (uint)bank.Slots.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"Bank '{bank.Name}' has {bank.Slots.Length} slots.");
        }
    }

    // Lock held.
    private void Dispatch(in UmpMessage message, ref Sink sink)
    {
        Interlocked.Increment(ref _messages);
        if (!ControlSource.TryGetKey(message, out ControlSourceKey source, out double normalized))
        {
            return;
        }

        if (source.Kind == ControlSourceKind.ProgramChange)
        {
            if (_bankSwitch is { } bankSwitch && bankSwitch.Matches(source with { Index = bankSwitch.Index }) && (int)normalized < _banks.Count)
            {
                int index = (int)normalized;
                sink.Switched = (index, SwitchBankLocked(index));
            }

            return;
        }

        if (_learn is { } learn)
        {
            _learn = null;
            ControllerBinding binding = learn.Binding with { Source = new ControlSource(source.Kind, source.Group, source.Channel, source.Index) };
            BindLocked(learn.Bank, learn.Slot, binding);
            sink.Learned = (learn.Bank, learn.Slot, binding);
            return;
        }

        ControllerBinding?[] slots = _banks[_active].Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i] is { } binding && binding.Source.Matches(source))
            {
                Apply(i, binding, normalized);
            }
        }
    }

    // Lock held.
    private void Apply(int slot, ControllerBinding binding, double position)
    {
        if (!binding.Target.IsVariable)
        {
            if (_session is null)
            {
                Fail($"No session: cannot set {binding.Target}.");
                return;
            }

            // The engine maps, smooths and soft-takes-over, on the render thread.
            _outbox.Enqueue(new Outgoing(null, binding, position, _timestampSample, _arrivalTimestamp, slot));
            return;
        }

        ref SlotState state = ref _states[slot];
        if (binding.SoftTakeover && !state.PickedUp)
        {
            if (!_variables.TryGet(binding.Target.Variable!, out double current))
            {
                state.PickedUp = true;
            }
            else
            {
                double at = binding.Unmap(current);
                bool close = Math.Abs(position - at) <= 1.0 / 128;
                bool crossed = state.HasLast && Math.Sign(state.LastPosition - at) != Math.Sign(position - at);
                state.LastPosition = position;
                state.HasLast = true;
                if (!close && !crossed)
                {
                    Interlocked.Increment(ref _held);
                    return;
                }

                state.PickedUp = true;
            }
        }

        double value = binding.Map(position);
        if (binding.SmoothingMs > 0)
        {
            if (!state.Smoothing && !state.HasCurrent)
            {
                state.Current = _variables.TryGet(binding.Target.Variable!, out double current) ? current : value;
                state.HasCurrent = true;
            }

            state.Target = value;
            state.Smoothing = true;
            return;
        }

        WriteVariableLocked(binding, value);
    }

    // Lock held. Variables live in this process: no I/O.
    private void WriteVariableLocked(ControllerBinding binding, double value)
    {
        try
        {
            _variables.Set(binding.Target.Variable!, value);
            Interlocked.Increment(ref _applied);
            ValueWritten?.Invoke(binding.Target, value, _session?.Position ?? 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e.Message);
        }
    }

    private void Fail(string message)
    {
        Interlocked.Increment(ref _errors);
        LastError = message;
    }

    /// <summary>
    /// Sends what was queued under the lock, in order, without holding it: one thread sends at a time, and a thread
    /// that finds another sending leaves its items to it.
    /// </summary>
    private void Flush()
    {
        while (!_outbox.IsEmpty)
        {
            // Acquire: only one thread drains, so the session sees the calls in the order they were queued.
            if (Interlocked.CompareExchange(ref _sending, 1, 0) != 0)
            {
                return;
            }

            try
            {
                while (_outbox.TryDequeue(out Outgoing item))
                {
                    Send(item);
                }
            }
            finally
            {
                // Release: a thread that queued after the last TryDequeue sees the flag clear and drains itself.
                Volatile.Write(ref _sending, 0);
            }
        }
    }

    private void Send(in Outgoing item)
    {
        try
        {
            if (item.Lane is { } lane)
            {
                _session!.BindController(lane);
                return;
            }

            ControllerBinding binding = item.Move!;
            long sample = _session!.MoveController(item.Slot, item.Position, item.AtSample, item.ArrivalTimestamp);
            Interlocked.Exchange(ref _lastParameterSample, sample);
            Interlocked.Increment(ref _applied);
            ValueWritten?.Invoke(binding.Target, binding.Map(item.Position), sample);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e.Message);
        }
    }

    private struct SlotState
    {
        public bool PickedUp;
        public bool HasLast;
        public double LastPosition;
        public bool Smoothing;
        public bool HasCurrent;
        public double Current;
        public double Target;
    }

    private sealed record LearnRequest(int Bank, int Slot, ControllerBinding Binding);

    /// <summary>A call for the session: a lane (re)bind, or a move of slot <see cref="Slot"/>'s lane.</summary>
    private readonly record struct Outgoing(ControllerLane? Lane, ControllerBinding? Move, double Position, long AtSample, long ArrivalTimestamp, int Slot = 0);

    // Collects what happened under the lock so that events are raised after it is released.
    private struct Sink(MidiControl owner) : IUmpSink
    {
        public (int Bank, int Slot, ControllerBinding Binding)? Learned;
        public (int Index, string Name)? Switched;

        public void OnMessage(in UmpMessage message) => owner.Dispatch(message, ref this);

        // A listener's exception is counted like any other error: it must not leave the receiving thread (a
        // transport's reader, where it would end the process).
        public readonly void RaiseEvents()
        {
            if (Learned is { } l)
            {
                try
                {
                    owner.Learned?.Invoke(l.Bank, l.Slot, l.Binding);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    owner.Fail($"a handler of Learned threw {e.GetType().Name}: {e.Message}");
                }
            }

            if (Switched is { } s)
            {
                try
                {
                    owner.BankSwitched?.Invoke(s.Index, s.Name);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    owner.Fail($"a handler of BankSwitched threw {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    private struct TranslateSink(MidiControl owner, Sink inner) : IUmpSink
    {
        public Sink Inner = inner;

        public void OnMessage(in UmpMessage message) => owner._translator.Translate(message, ref Inner);
    }
}
