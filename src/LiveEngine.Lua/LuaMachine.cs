using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using KeraLua;
using LiveEngine.Live;
using LiveEngine.Lua.Native;
using LiveEngine.Nodes;
using LuaState = KeraLua.Lua;

namespace LiveEngine.Lua;

/// <summary>
/// One sandboxed Lua 5.4 state bound to a <see cref="LiveSession"/>: the DSL prelude and the stdlib loaded, the
/// unsafe libraries gone, every piece of user code run inside a coroutine under an instruction-count hook and a
/// memory-capped allocator, and the scheduler of timed callbacks. Shared by <see cref="LuaPiece"/> and
/// <see cref="LuaWorkspace"/>. Owned by one thread: whoever created it calls everything.
/// </summary>
/// <remarks>
/// Design: a runaway loop is stopped from the count hook by <c>lua_yield</c>, not <c>lua_error</c>. A hook may
/// yield (Lua 5.4 manual §4.7), and the yield returns normally from our managed hook into the VM, which then
/// unwinds with its own longjmp through C frames only, back to the <c>lua_resume</c> that started the code. An
/// error raised from managed code would longjmp across managed frames, which .NET does not support. The
/// coroutine that yielded is dropped (never resumed) and a fresh one takes its place. Errors of the engine calls
/// (natives) come back to Lua as <c>nil, message</c> and the prelude raises them, for the same reason.
/// </remarks>
internal sealed unsafe partial class LuaMachine : IDisposable
{
    [ThreadStatic]
    private static LuaMachine? s_current;

    private static readonly LuaAlloc s_allocate = Allocate;
    private static readonly LuaHookFunction s_hook = Hook;

    private readonly LuaState _lua;
    private readonly nint _main;
    private readonly AllocatorState* _memory;
    private readonly nint _debugRecord;
    private readonly LuaLimits _limits;
    private readonly ILiveSession _session;
    private readonly NodeTypeRegistry _registry;
    private readonly LuaStringCache _strings = new();
    private readonly int _evalRef;
    private readonly int _abortRef;
    private LuaState _co;
    private int _coRef;
    private bool _disposed;

    // Limits of the code running now (set by Resume, read by the hook).
    private long _deadline;
    private bool _wallClock;
    private long _hookCalls;
    private long _hookCallLimit;
    private long _nativeStart;
    private bool _running;
    private string? _stopMessage;

    private readonly StringBuilder _printed = new();
    private bool _capturePrint;

    public LuaMachine(ILiveSession session, NodeTypeRegistry registry, LuaLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(registry);
        _session = session;
        _registry = registry;
        _limits = limits ?? new LuaLimits();
        _memory = (AllocatorState*)NativeMemory.AllocZeroed((nuint)sizeof(AllocatorState));
        _memory->Limit = _limits.MemoryBytes;
        _debugRecord = (nint)NativeMemory.AllocZeroed(512);
        _lua = new LuaState(s_allocate, (nint)_memory);
        _main = _lua.Handle;
        _lua.SetHook(s_hook, LuaHookMask.Count, Math.Max(1, _limits.CheckInterval));
        _lua.OpenLibs();
        InstallNatives();
        (_co, _coRef) = NewCoroutine();

        LoadSetupChunk(TypesChunk(), "=types");
        LoadSetupChunk(ReadResource("prelude.lua"), "=prelude.lua");
        foreach (string name in StdlibResources())
        {
            LoadSetupChunk(ReadResource(name), "=" + name);
        }

        _evalRef = TakeGlobalRef("__eval");
        _abortRef = TakeGlobalRef("__abort");
        _oscRef = TakeGlobalRef("__osc_dispatch");
        LoadSetupChunk("__seal()", "=seal");
    }

    /// <summary>Raised for each error or notice produced outside an evaluation (a failing callback).</summary>
    public event Action<string>? Diagnostics;

    /// <summary>Raised with the text that <c>print</c> writes while no evaluation is capturing it.</summary>
    public event Action<string>? Printed;

    public ILiveSession Session => _session;

    public LuaLimits Limits => _limits;

    /// <summary>Bytes the Lua state holds now.</summary>
    public long MemoryBytes => _memory->Used;

    /// <summary>
    /// Runs <paramref name="code"/> as one evaluation (chunk name <paramref name="chunkName"/>): its graph, if it
    /// built one, is committed at the end and its callbacks start. Returns what it returned, as text, and what it
    /// printed. Throws <see cref="LuaScriptException"/> (chunk name and line in the message) on a syntax error, a
    /// runtime error or a limit; nothing it built is committed then, and no callback it made starts.
    /// </summary>
    /// <remarks>
    /// With <paramref name="replacesPiece"/>, the code is a piece loaded in place of the one playing: the callbacks
    /// running before it stop where its graph lands (see <see cref="RetireCallbacks"/>), or now if it commits nothing.
    /// </remarks>
    public (string? Value, string Printed) Evaluate(string code, string chunkName, bool replacesPiece = false)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(chunkName);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _printed.Clear();
        _capturePrint = true;
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(code);
            if (_lua.LoadBuffer(bytes, "=" + chunkName, "t") != LuaStatus.OK)
            {
                string message = _lua.ToString(-1, false) ?? "syntax error";
                _lua.Pop(1);
                throw new LuaScriptException(message);
            }

            nint co = _co.Handle;
            LuaNative.RawGetInteger(co, LuaNative.RegistryIndex, _evalRef);
            LuaNative.XMove(_main, co, 1);
            BeginEvaluation(replacesPiece);
            string? error = Resume(1, _limits.EvaluationTimeout, _limits.EvaluationInstructions);
            if (error is not null)
            {
                AbortEvaluation();
                throw new LuaScriptException(error);
            }

            string? value = LuaNative.Type(co, 1) == LuaNative.TypeString ? ReadString(co, 1) : null;
            LuaNative.SetTop(co, 0);
            EndEvaluation();
            return (value, _printed.ToString());
        }
        finally
        {
            _capturePrint = false;
        }
    }

    /// <summary>
    /// Undoes a failed evaluation: its staged callbacks go, and the prelude's <c>__abort</c> rolls back the globals it
    /// wrote. The rollback is the host's bookkeeping, not user code, so it runs without the memory cap (after a
    /// memory bomb the state is at its cap); a full collection then frees what the code had built.
    /// </summary>
    private void AbortEvaluation()
    {
        DiscardStaged();
        nint co = _co.Handle;
        LuaNative.SetTop(co, 0);
        LuaNative.RawGetInteger(co, LuaNative.RegistryIndex, _abortRef);
        long cap = _memory->Limit;
        _memory->Limit = long.MaxValue;
        try
        {
            Resume(0, _limits.EvaluationTimeout, long.MaxValue);
        }
        finally
        {
            _memory->Limit = cap;
        }

        LuaNative.SetTop(_co.Handle, 0);
        _lua.GarbageCollector(LuaGC.Collect, 0);
    }

    /// <summary>
    /// Resumes the current coroutine, whose stack holds a function and <paramref name="arguments"/>, under the given
    /// limits. Returns null on success (results on the coroutine's stack), else the error message with position;
    /// after an error the coroutine is replaced by a fresh one.
    /// </summary>
    private string? Resume(int arguments, TimeSpan timeout, long instructions)
    {
        LuaMachine? previous = s_current;
        s_current = this;
        _wallClock = !_inCallback;
        _deadline = Now() + (long)(timeout.TotalMilliseconds * 1e6);
        _hookCalls = 0;
        _hookCallLimit = Math.Max(1, instructions / Math.Max(1, _limits.CheckInterval));
        _stopMessage = null;
        _memory->Exceeded = 0;
        _memory->Enforce = 1;
        _running = true;
        int status;
        int results;
        try
        {
            status = LuaNative.Resume(_co.Handle, _main, arguments, out results);
        }
        finally
        {
            _running = false;
            _memory->Enforce = 0;
            s_current = previous;
        }

        if (status == LuaNative.Ok)
        {
            return null;
        }

        string message;
        if (status == LuaNative.Yield)
        {
            message = _stopMessage ?? "stopped: code may not yield (coroutines are not available)";
        }
        else if (status == (int)LuaStatus.ErrMem || _memory->Exceeded != 0)
        {
            message = $"{Position(_co.Handle)}memory limit reached: the Lua state may hold at most {_limits.MemoryBytes / (1 << 20)} MB";
        }
        else
        {
            message = LuaNative.Type(_co.Handle, -1) == LuaNative.TypeString ? ReadString(_co.Handle, -1) : "error (not a string: " + _co.TypeName(_co.Type(-1)) + ")";
        }

        ReplaceCoroutine();
        if (_memory->Exceeded != 0)
        {
            _lua.GarbageCollector(LuaGC.Collect, 0);
        }

        return message;
    }

    /// <summary>"chunk:line: " of the innermost Lua function on <paramref name="state"/>'s stack, or "" if none.</summary>
    private string Position(nint state)
    {
        for (int level = 0; level < 64; level++)
        {
            if (LuaDebugNative.GetStack(state, level, _debugRecord) == 0)
            {
                break;
            }

            LuaDebugNative.GetInfo(state, "Sl", _debugRecord);
            LuaDebug record = LuaDebug.FromIntPtr(_debugRecord);
            if (record.CurrentLine > 0)
            {
                return $"{record.ShortSource}:{record.CurrentLine}: ";
            }
        }

        return "";
    }

    private static void Hook(nint state, nint ar)
    {
        LuaMachine? machine = s_current;
        if (machine is null || !machine._running)
        {
            return;
        }

        machine._hookCalls++;
        bool overTime = machine.Now() > machine._deadline;
        if (!overTime && machine._hookCalls <= machine._hookCallLimit)
        {
            return;
        }

        // Inside a C boundary (a table.sort comparator, a gsub function) a hook cannot yield; the next check, once
        // the code is back in plain Lua, stops it.
        if (LuaNative.IsYieldable(state) == 0)
        {
            return;
        }

        machine.Stop(state, ar, overTime);
        LuaNative.YieldK(state, 0, 0, 0);
    }

    private void Stop(nint state, nint ar, bool overTime)
    {
        LuaDebugNative.GetInfo(state, "Sl", ar);
        LuaDebug record = LuaDebug.FromIntPtr(ar);
        string where = record.CurrentLine > 0 ? $"{record.ShortSource}:{record.CurrentLine}: " : Position(state);
        _stopMessage = overTime
            ? $"{where}stopped: ran for more than {Current.TimeoutMs} ms{(_wallClock ? "" : " of CPU time")} (an endless loop?)"
            : $"{where}stopped: executed more than {Current.Instructions:N0} instructions (an endless loop?)";
    }

    /// <summary>
    /// The clock of the running code's time limit, in ns. An evaluation is held to the wall clock (the performer
    /// waits for it); a callback to its thread's CPU time, so that a GC pause or a busy machine does not disable a
    /// healthy callback (nor make an offline render depend on the machine's load); its instruction limit stays.
    /// </summary>
    private long Now() => _wallClock ? (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)) : ThreadCpuClock.NowNanoseconds();

    private (double TimeoutMs, long Instructions) Current => _inCallback
        ? (_limits.CallbackTimeout.TotalMilliseconds, _limits.CallbackInstructions)
        : (_limits.EvaluationTimeout.TotalMilliseconds, _limits.EvaluationInstructions);

    /// <summary>Engine calls do not count against the code's time, and may allocate past the memory cap.</summary>
    private void EnterNative()
    {
        _nativeStart = Now();
        _memory->Enforce = 0;
    }

    private void ExitNative()
    {
        _deadline += Now() - _nativeStart;
        _memory->Enforce = _running ? 1 : 0;
    }

    private static nint Allocate(nint ud, nint ptr, nuint oldSize, nuint newSize)
    {
        var state = (AllocatorState*)ud;

        // With ptr null, oldSize encodes the kind of object, not a size.
        long old = ptr == 0 ? 0 : (long)oldSize;
        if (newSize == 0)
        {
            NativeMemory.Free((void*)ptr);
            state->Used -= old;
            return 0;
        }

        long delta = (long)newSize - old;
        if (delta > 0 && state->Enforce != 0 && state->Used + delta > state->Limit)
        {
            state->Exceeded = 1;
            return 0;
        }

        void* block = NativeMemory.Realloc((void*)ptr, newSize);
        if (block is null)
        {
            return 0;
        }

        state->Used += delta;
        return (nint)block;
    }

    private (LuaState Thread, int Ref) NewCoroutine()
    {
        LuaState thread = _lua.NewThread();
        int reference = _lua.Ref(LuaRegistry.Index);
        return (thread, reference);
    }

    private void ReplaceCoroutine()
    {
        int old = _coRef;
        (_co, _coRef) = NewCoroutine();
        _lua.Unref(LuaRegistry.Index, old);
    }

    private void LoadSetupChunk(string code, string chunkName)
    {
        if (_lua.LoadBuffer(Encoding.UTF8.GetBytes(code), chunkName, "t") != LuaStatus.OK)
        {
            string message = _lua.ToString(-1, false) ?? "syntax error";
            throw new InvalidOperationException("Lua setup failed: " + message);
        }

        LuaNative.XMove(_main, _co.Handle, 1);
        long saved = _memory->Limit;
        _memory->Limit = long.MaxValue;
        string? error = Resume(0, TimeSpan.FromSeconds(10), long.MaxValue);
        _memory->Limit = saved;
        if (error is not null)
        {
            throw new InvalidOperationException("Lua setup failed: " + error);
        }

        LuaNative.SetTop(_co.Handle, 0);
    }

    private int TakeGlobalRef(string name)
    {
        _lua.GetGlobal(name);
        if (_lua.Type(-1) != LuaType.Function)
        {
            throw new InvalidOperationException($"The prelude defines no function '{name}'.");
        }

        return _lua.Ref(LuaRegistry.Index);
    }

    private static string ReadResource(string name)
    {
        using Stream stream = typeof(LuaMachine).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Resource '{name}' is missing from {typeof(LuaMachine).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The stdlib files, in a fixed order: theory and patterns first, the voices that use them after.</summary>
    internal static IReadOnlyList<string> StdlibResources()
    {
        Assembly assembly = typeof(LuaMachine).Assembly;
        return [.. assembly.GetManifestResourceNames().Where(n => n.StartsWith("stdlib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    private static string ReadString(nint state, int index)
    {
        byte* text = LuaNative.ToLString(state, index, out nuint length);
        return text is null ? "" : Encoding.UTF8.GetString(text, (int)length);
    }

    /// <summary>The node types as a Lua table constructor: parameters (name, min, max, default, unit), ports, default channels.</summary>
    private string TypesChunk()
    {
        var text = new StringBuilder("__types = {\n");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        foreach (NodeTypeDescriptor type in _registry.Types)
        {
            text.Append(invariant, $"  [{Quote(type.Name)}] = {{ channels = {type.DefaultChannels}, params = {{");
            foreach (ParameterDescriptor p in type.Parameters)
            {
                text.Append(invariant, $"{{{Quote(p.Name)}, {p.Min:R}, {p.Max:R}, {p.Default:R}, {Quote(p.Unit)}}}, ");
            }

            text.Append("}, inputs = {");
            foreach (PortDescriptor port in type.Inputs)
            {
                text.Append(invariant, $"{{{Quote(port.Name)}, {port.Channels}}}, ");
            }

            text.Append("}, outputs = {");
            foreach (PortDescriptor port in type.Outputs)
            {
                text.Append(invariant, $"{{{Quote(port.Name)}, {port.Channels}}}, ");
            }

            text.Append("} },\n");
        }

        text.Append(invariant, $"}}\n__output_channels = {_session.OutputChannels}\n");
        text.Append(invariant, $"__beats_per_bar = {_session.Options.BeatsPerBar}\n");
        text.Append(invariant, $"__seed = {{{(long)(_session.Options.Seed >> 32)}, {(long)(_session.Options.Seed & 0xFFFF_FFFF)}}}\n");
        return text.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeOscClients();
        _lua.Dispose();
        NativeMemory.Free(_memory);
        NativeMemory.Free((void*)_debugRecord);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct AllocatorState
    {
        public long Used;
        public long Limit;
        public int Enforce;
        public int Exceeded;
    }
}
