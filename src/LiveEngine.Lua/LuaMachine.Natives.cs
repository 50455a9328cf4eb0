using KeraLua;
using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Lua.Native;
using LiveEngine.Time;
using LuaState = KeraLua.Lua;

namespace LiveEngine.Lua;

/// <summary>The engine calls the prelude builds the DSL on (table <c>__native</c>, hidden from user code).</summary>
internal sealed unsafe partial class LuaMachine
{
    // Static delegates: the native side keeps raw function pointers, so these must live as long as the process.
    private static readonly (string Name, LuaFunction Function)[] s_natives =
    [
        ("commit", NativeCommit),
        ("set", NativeSet),
        ("trig", NativeTrigger),
        ("schedule", NativeSchedule),
        ("stop", NativeStop),
        ("hush", NativeHush),
        ("now", NativeNow),
        ("tempo", NativeTempo),
        ("getvar", NativeGetVariable),
        ("setvar", NativeSetVariable),
        ("output", NativeOutput),
        ("activate", NativeActivate),
        ("host", NativeHost),
        ("mini", NativeMini),
        ("oschandlers", NativeOscHandlers),
        ("oscmatch", NativeOscMatch),
        ("oscsend", NativeOscSend),
    ];

    // ReadMap's entries before they are sorted. Lua thread only.
    private readonly List<(string Name, double Value)> _parameterScratch = [];
    private readonly List<(string Name, string Value)> _optionScratch = [];

    /// <summary>Commands the host offers to scripts (e.g. <c>midi</c>): name → (argument → result text). Lua thread only.</summary>
    internal Dictionary<string, Func<string, string>> HostCommands { get; } = new(StringComparer.Ordinal);

    private void InstallNatives()
    {
        _lua.NewTable();
        foreach ((string name, LuaFunction function) in s_natives)
        {
            _lua.PushCFunction(function);
            _lua.SetField(-2, name);
        }

        _lua.SetGlobal("__native");
    }

    /// <summary>Wraps a native's body: engine time is not the script's, and an exception becomes <c>nil, message</c>.</summary>
    private static int Call(nint state, Func<LuaMachine, nint, int> body)
    {
        LuaMachine? machine = s_current;
        if (machine is null)
        {
            return 0;
        }

        machine.EnterNative();
        try
        {
            return body(machine, state);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing may unwind through Lua's C frames: every error becomes the native's (nil, message) result.
            LuaNative.PushNil(state);
            PushString(state, e.Message);
            return 2;
        }
        finally
        {
            machine.ExitNative();
        }
    }

    private static void PushString(nint state, string text) => LuaState.FromIntPtr(state).PushString(text);

    private static double Number(nint state, int index) => LuaNative.ToNumberX(state, index, out _);

    private static long Integer(nint state, int index) => LuaNative.ToIntegerX(state, index, out _);

    private static Fraction Rational(nint state, int index) =>
        LuaNative.Type(state, index) == LuaNative.TypeNil ? Fraction.Zero : Fraction.Create(Integer(state, index), Math.Max(1, Integer(state, index + 1)));

    /// <summary>A quantisation from (kind, count, beat numerator, beat denominator) at <paramref name="index"/>; relative to the callback's beat inside a callback.</summary>
    private Quantization When(nint state, int index)
    {
        long kind = Integer(state, index);
        int count = (int)Integer(state, index + 1);
        Fraction beat = Rational(state, index + 2);
        Quantization when = kind switch
        {
            1 => Quantization.NextBeat,
            2 => Quantization.NextBar,
            3 => Quantization.InBars(count),
            4 => Quantization.AtBeat(beat),
            _ => Quantization.Now,
        };
        if (!_inCallback || when.Kind == QuantizationKind.AtBeat)
        {
            return when;
        }

        // Inside a callback "now" is the callback's own musical time, not the audio position.
        Fraction at = _currentBeat;
        long beatsPerBar = _session.Options.BeatsPerBar;
        return when.Kind switch
        {
            QuantizationKind.NextBeat => Quantization.AtBeat(at.Ceiling()),
            QuantizationKind.NextBar => Quantization.AtBeat(Fraction.Create(at.Ceiling() + beatsPerBar - 1, beatsPerBar).Floor() * beatsPerBar),
            QuantizationKind.Bars => Quantization.AtBeat((Fraction.Create(at.Numerator, at.Denominator * beatsPerBar).Floor() + count) * beatsPerBar),
            _ => Quantization.AtBeat(at),
        };
    }

    // commit(graph, kind, count, beatNum, beatDen, patch) -> commit sample; graph is the prelude's emit_graph tables
    private static int NativeCommit(nint state) => Call(state, static (m, s) =>
    {
        GraphDescription graph = m.ReadGraph(s, 1);
        Quantization when = m.When(s, 2);
        bool patch = LuaNative.ToBoolean(s, 6) != 0;
        CommandReceipt receipt = m._session.Execute(new CommitCommand(graph, when, patch, Owned: true));
        m._evaluationCommitSample = Math.Max(m._evaluationCommitSample, receipt.Sample);
        LuaNative.PushInteger(s, receipt.Sample);
        return 1;
    });

    /// <summary>
    /// Reads the prelude's graph tables at <paramref name="index"/> (<c>{ nodes = { {id, type, channels, parameters,
    /// options}, ... }, edges = { {from, fromPort, to, toPort}, ... } }</c>) straight into a description: no JSON
    /// text between Lua and the session. Names come through the string cache, so a re-commit of the same graph
    /// makes no new strings for them. Leaves the stack as it found it.
    /// </summary>
    private GraphDescription ReadGraph(nint state, int index)
    {
        LuaState lua = LuaState.FromIntPtr(state);
        int top = LuaNative.GetTop(state);
        index = lua.AbsIndex(index);
        if (LuaNative.Type(state, index) != (int)LuaType.Table)
        {
            throw new ArgumentException("commit: the graph must be the tables the prelude builds.");
        }

        lua.GetField(index, "nodes");
        int nodeCount = (int)lua.RawLen(-1);
        var graph = new GraphDescription { Nodes = new List<NodeSpec>(nodeCount) };
        for (int i = 1; i <= nodeCount; i++)
        {
            LuaNative.RawGetInteger(state, -1, i);
            var node = new NodeSpec
            {
                Id = FieldString(state, i, 1, "node id"),
                Type = FieldString(state, i, 2, "node type"),
            };
            if (LuaNative.RawGetInteger(state, -1, 3) != LuaNative.TypeNil)
            {
                node.Channels = (int)Integer(state, -1);
            }

            LuaNative.SetTop(state, -2);
            ReadMap(lua, state, 4, node.Parameters, _parameterScratch, static (st, i) => Number(st, i));
            ReadMap(lua, state, 5, node.Options, _optionScratch, (st, i) => _strings.Get(st, i) ?? throw new ArgumentException("commit: an option's value must be a string."));
            graph.Nodes.Add(node);
            LuaNative.SetTop(state, -2);
        }

        LuaNative.SetTop(state, -2);
        lua.GetField(index, "edges");
        int edgeCount = (int)lua.RawLen(-1);
        graph.Edges = new List<EdgeSpec>(edgeCount);
        for (int i = 1; i <= edgeCount; i++)
        {
            LuaNative.RawGetInteger(state, -1, i);
            graph.Edges.Add(new EdgeSpec(FieldString(state, i, 1, "edge source"), FieldString(state, i, 3, "edge target"), FieldString(state, i, 2, "edge source port"), FieldString(state, i, 4, "edge target port")));
            LuaNative.SetTop(state, -2);
        }

        LuaNative.SetTop(state, top);
        return graph;
    }

    /// <summary>The string at <paramref name="field"/> of the table on top of the stack (entry <paramref name="entry"/> of its list).</summary>
    private string FieldString(nint state, int entry, int field, string what)
    {
        LuaNative.RawGetInteger(state, -1, field);
        string? text = _strings.Get(state, -1);
        LuaNative.SetTop(state, -2);
        return text ?? throw new ArgumentException($"commit: the {what} of entry {entry} must be a string.");
    }

    /// <summary>
    /// Copies the string-keyed table at <paramref name="field"/> of the table on top of the stack (absent: nothing) into
    /// <paramref name="map"/>, in the names' ordinal order: Lua's traversal order depends on its hashing, and the
    /// graph (GetGraph, the session log) should read the same for the same code.
    /// </summary>
    private void ReadMap<T>(LuaState lua, nint state, int field, Dictionary<string, T> map, List<(string Name, T Value)> entries, Func<nint, int, T> value)
    {
        if (LuaNative.RawGetInteger(state, -1, field) == (int)LuaType.Table)
        {
            entries.Clear();
            lua.PushNil();
            while (lua.Next(-2))
            {
                // Key at -2, value at -1: the key is read as it is (never converted in place, which would confuse Next).
                string name = _strings.Get(state, -2) ?? throw new ArgumentException("commit: parameter and option names must be strings.");
                entries.Add((name, value(state, -1)));
                LuaNative.SetTop(state, -2);
            }

            entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach ((string name, T entry) in entries)
            {
                map[name] = entry;
            }
        }

        LuaNative.SetTop(state, -2);
    }

    // set(id, param, value, offNum, offDen): the hot path; allocates nothing once the strings are cached.
    private static int NativeSet(nint state)
    {
        LuaMachine? m = s_current;
        if (m is null)
        {
            return 0;
        }

        m.EnterNative();
        try
        {
            string? node = m._strings.Get(state, 1);
            string? parameter = m._strings.Get(state, 2);
            if (node is null || parameter is null)
            {
                return m.Fail(state, "set: the node id and the parameter name must be strings.");
            }

            double value = Number(state, 3);
            if (!m._inCallback)
            {
                return m.SetNow(state, node, parameter, value);
            }

            m.Emit(new ScheduledEvent
            {
                Kind = ScheduledEventKind.Set,
                Node = node,
                Parameter = parameter,
                Value = value,
                Beat = m._currentBeat + Rational(state, 4),
            });
            LuaNative.PushBoolean(state, 1);
            return 1;
        }
        finally
        {
            m.ExitNative();
        }
    }

    // trig(id, param, lenNum, lenDen, offNum, offDen, on, off)
    private static int NativeTrigger(nint state)
    {
        LuaMachine? m = s_current;
        if (m is null)
        {
            return 0;
        }

        m.EnterNative();
        try
        {
            string? node = m._strings.Get(state, 1);
            string? parameter = m._strings.Get(state, 2);
            Fraction length = Rational(state, 3);
            if (node is null || parameter is null)
            {
                return m.Fail(state, "trig: the node id and the parameter name must be strings.");
            }

            if (length <= Fraction.Zero)
            {
                return m.Fail(state, "trig: a trigger lasts more than zero beats.");
            }

            var e = new ScheduledEvent
            {
                Kind = ScheduledEventKind.Trigger,
                Node = node,
                Parameter = parameter,
                LengthBeats = length,
                Beat = m._currentBeat + Rational(state, 5),
                Value = Number(state, 7),
                OffValue = Number(state, 8),
            };
            if (!m._inCallback)
            {
                return m.TriggerNow(state, e);
            }

            m.Emit(e);
            LuaNative.PushBoolean(state, 1);
            return 1;
        }
        finally
        {
            m.ExitNative();
        }
    }

    private int Fail(nint state, string message)
    {
        LuaNative.PushNil(state);
        PushString(state, message);
        return 2;
    }

    private int SetNow(nint state, string node, string parameter, double value)
    {
        try
        {
            _session.SetParameter(node, parameter, value, Quantization.Now);
        }
        catch (ArgumentException e)
        {
            return Fail(state, e.Message);
        }

        LuaNative.PushBoolean(state, 1);
        return 1;
    }

    private int TriggerNow(nint state, in ScheduledEvent e)
    {
        try
        {
            _session.Trigger(e.Node, Quantization.Now, e.LengthBeats, e.Parameter, e.Value, e.OffValue);
        }
        catch (ArgumentException ex)
        {
            return Fail(state, ex.Message);
        }

        LuaNative.PushBoolean(state, 1);
        return 1;
    }

    // schedule(name|nil, fn, intervalNum, intervalDen, phaseNum, phaseDen, once, absolute)
    private static int NativeSchedule(nint state) => Call(state, static (m, s) =>
    {
        string? name = LuaNative.Type(s, 1) == LuaNative.TypeString ? ReadString(s, 1) : null;
        Fraction interval = Rational(s, 3);
        Fraction phase = Rational(s, 5);
        bool once = LuaNative.ToBoolean(s, 7) != 0;
        bool absolute = LuaNative.ToBoolean(s, 8) != 0;
        if (!once && interval <= Fraction.Zero)
        {
            return m.Fail(s, "every: the interval must be more than zero beats.");
        }

        LuaState lua = LuaState.FromIntPtr(s);
        lua.PushCopy(2);
        int function = lua.Ref(LuaRegistry.Index);
        m.AddCallback(name, function, interval, phase, once, absolute);
        LuaNative.PushBoolean(s, 1);
        return 1;
    });

    private static int NativeStop(nint state) => Call(state, static (m, s) =>
    {
        LuaNative.PushInteger(s, m.RemoveCallbacks(ReadString(s, 1)));
        return 1;
    });

    private static int NativeHush(nint state) => Call(state, static (m, s) =>
    {
        LuaNative.PushInteger(s, m.RemoveCallbacks(null));
        return 1;
    });

    // now() -> beat, bar (numbers), in a callback its own time
    private static int NativeNow(nint state) => Call(state, static (m, s) =>
    {
        Fraction beat = m.NowBeat();
        LuaNative.PushNumber(s, beat.ToDouble());
        LuaNative.PushNumber(s, beat.ToDouble() / m._session.Options.BeatsPerBar);
        return 2;
    });

    // tempo(bpmNum, bpmDen, rampNum, rampDen, kind, count, beatNum, beatDen) -> sample
    private static int NativeTempo(nint state) => Call(state, static (m, s) =>
    {
        Fraction bpm = Rational(s, 1);
        Fraction ramp = Rational(s, 3);
        Quantization when = m.When(s, 5);
        long at = ramp > Fraction.Zero ? m._session.RampTempo(bpm, ramp, when) : m._session.SetTempo(bpm, when);
        LuaNative.PushInteger(s, at);
        return 1;
    });

    private static int NativeGetVariable(nint state) => Call(state, static (m, s) =>
    {
        LuaNative.PushNumber(s, m._session.Variables.Get(ReadString(s, 1), Number(s, 2)));
        return 1;
    });

    private static int NativeSetVariable(nint state) => Call(state, static (m, s) =>
    {
        m._session.Variables.Set(ReadString(s, 1), Number(s, 2));
        LuaNative.PushBoolean(s, 1);
        return 1;
    });

    private static int NativeOutput(nint state) => Call(state, static (m, s) =>
    {
        string text = ReadString(s, 1);
        if (m._capturePrint)
        {
            m._printed.Append(text).Append('\n');
        }
        else
        {
            m.Printed?.Invoke(text);
        }

        return 0;
    });

    // host(name, argument) -> result text, or nil and the host's message
    private static int NativeHost(nint state) => Call(state, static (m, s) =>
    {
        string name = ReadString(s, 1);
        string argument = LuaNative.Type(s, 2) == LuaNative.TypeString ? ReadString(s, 2) : "";
        if (!m.HostCommands.TryGetValue(name, out Func<string, string>? command))
        {
            throw new InvalidOperationException($"'{name}' is not available here (no host offers it)");
        }

        string result;
        try
        {
            result = command(argument);
        }
        catch (Exception e) when (e is not InvalidOperationException and not ArgumentException and not FormatException)
        {
            // Nothing may unwind through Lua's C frames: any failure becomes the script's error.
            throw new InvalidOperationException(e.Message, e);
        }

        PushString(s, result);
        return 1;
    });

    private static int NativeActivate(nint state) => Call(state, static (m, s) =>
    {
        m.ActivateStaged();
        return 0;
    });


}
