using LiveEngine.Lua.Native;
using LiveEngine.Osc;
using LiveEngine.Time;
using LuaState = KeraLua.Lua;

namespace LiveEngine.Lua;

/// <summary>
/// OSC in Lua: <c>osc(pattern, fn)</c> handlers (kept by the prelude), run by <see cref="DispatchOsc"/> as a callback
/// at the message's musical time, so the <c>set</c>/<c>trig</c> calls they make land on the message's sample; and
/// <c>osc_send(host, port, address, ...)</c> where the host allows it (<see cref="OscSendAllowed"/>).
/// </summary>
internal sealed unsafe partial class LuaMachine
{
    private const int MaxOscClients = 16;

    private readonly Dictionary<(string Host, int Port), OscClient> _oscClients = [];
    private readonly int _oscRef;
    private volatile int _oscHandlerCount;

    /// <summary>Handlers registered with <c>osc(pattern, fn)</c> (any thread may read it).</summary>
    public int OscHandlerCount => _oscHandlerCount;

    /// <summary>Whether scripts may send OSC (<c>osc_send</c>); the performance allows it, a bare piece does not. Lua thread only.</summary>
    internal bool OscSendAllowed { get; set; }

    /// <summary>
    /// Runs the handlers matching <paramref name="address"/> with <paramref name="arguments"/> as a callback at
    /// <paramref name="beat"/>. Returns null, or the error (also raised as a diagnostic). Lua thread only.
    /// </summary>
    public string? DispatchOsc(string address, IReadOnlyList<OscValue> arguments, Fraction beat)
    {
        if (_oscHandlerCount == 0)
        {
            return null;
        }

        nint co = _co.Handle;
        LuaNative.SetTop(co, 0);
        var lua = LuaState.FromIntPtr(co);
        if (!lua.CheckStack(arguments.Count + 4))
        {
            return "too many OSC arguments for Lua's stack";
        }

        LuaNative.RawGetInteger(co, LuaNative.RegistryIndex, _oscRef);
        lua.PushString(address);
        foreach (OscValue value in arguments)
        {
            switch (value.Tag)
            {
                case 'i' or 'h' or 'c' or 'r' or 'm':
                    LuaNative.PushInteger(co, value.Tag is 'i' or 'h' ? value.AsInt64 : (long)value.AsDouble);
                    break;
                case 'f' or 'd':
                    LuaNative.PushNumber(co, value.AsDouble);
                    break;
                case 's' or 'S':
                    lua.PushString(value.AsString);
                    break;
                case 'b':
                    lua.PushBuffer(value.AsBlob);
                    break;
                case 'T' or 'F':
                    LuaNative.PushBoolean(co, value.Tag == 'T' ? 1 : 0);
                    break;
                case 't':
                    LuaNative.PushNumber(co, value.AsTime.Raw / 4_294_967_296.0);
                    break;
                default:
                    LuaNative.PushNil(co);
                    break;
            }
        }

        _inCallback = true;
        _currentBeat = beat;
        _eventCount = 0;
        string? error = Resume(1 + arguments.Count, _limits.CallbackTimeout, _limits.CallbackInstructions);
        _inCallback = false;
        LuaNative.SetTop(_co.Handle, 0);
        if (error is not null)
        {
            _eventCount = 0;
            error = $"osc handler for {address}: {error}";
            Diagnostics?.Invoke(error);
            return error;
        }

        IScheduledEventSink sink = Sink;
        for (int i = 0; i < _eventCount; i++)
        {
            string? failure = sink.Deliver(in _events[i], out _);
            if (failure is not null)
            {
                error ??= $"osc handler for {address}: event at beat {_events[i].Beat} dropped: {failure}";
            }
        }

        _eventCount = 0;
        if (error is not null)
        {
            Diagnostics?.Invoke(error);
        }

        return error;
    }

    // oschandlers(count): the prelude says how many osc() handlers it holds
    private static int NativeOscHandlers(nint state) => Call(state, static (m, s) =>
    {
        m._oscHandlerCount = (int)Math.Max(0, Number(s, 1));
        return 0;
    });

    // oscmatch(pattern, address) -> boolean
    private static int NativeOscMatch(nint state) => Call(state, static (m, s) =>
    {
        LuaNative.PushBoolean(s, OscAddressPattern.IsMatch(ReadString(s, 1), ReadString(s, 2)) ? 1 : 0);
        return 1;
    });

    // oscsend(host, port, address, ...) -> true, or nil and the message
    private static int NativeOscSend(nint state) => Call(state, static (m, s) =>
    {
        if (!m.OscSendAllowed)
        {
            throw new InvalidOperationException("osc_send is not available here (only a performance, the REPL or serve, sends OSC)");
        }

        string host = ReadString(s, 1);
        int port = (int)Number(s, 2);
        string address = ReadString(s, 3);
        if (port is < 1 or > 65_535)
        {
            throw new ArgumentException($"osc_send: the port must be 1..65535, not {port}");
        }

        if (!address.StartsWith('/'))
        {
            throw new ArgumentException($"osc_send: an OSC address starts with '/', not '{address}'");
        }

        int top = LuaNative.GetTop(s);
        var arguments = new OscValue[Math.Max(0, top - 3)];
        for (int i = 4; i <= top; i++)
        {
            arguments[i - 4] = LuaNative.Type(s, i) switch
            {
                LuaNative.TypeNumber when LuaState.FromIntPtr(s).IsInteger(i) => LuaNative.ToIntegerX(s, i, out _) is >= int.MinValue and <= int.MaxValue and long v ? OscValue.Int32((int)v) : OscValue.Int64(LuaNative.ToIntegerX(s, i, out _)),
                LuaNative.TypeNumber => OscValue.Float32((float)Number(s, i)),
                LuaNative.TypeString => OscValue.String(ReadString(s, i)),
                LuaNative.TypeBoolean => OscValue.Bool(LuaNative.ToBoolean(s, i) != 0),
                LuaNative.TypeNil => OscValue.Nil,
                _ => throw new ArgumentException($"osc_send: argument {i - 3} is a {LuaState.FromIntPtr(s).TypeName(i)}; OSC takes numbers, strings, booleans and nil"),
            };
        }

        if (!m._oscClients.TryGetValue((host, port), out OscClient? client))
        {
            if (m._oscClients.Count >= MaxOscClients)
            {
                foreach (OscClient old in m._oscClients.Values)
                {
                    old.Dispose();
                }

                m._oscClients.Clear();
            }

            client = new OscClient(host, port);
            m._oscClients[(host, port)] = client;
        }

        try
        {
            client.Send(address, arguments);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new InvalidOperationException($"osc_send to {host}:{port}: {e.Message}");
        }

        LuaNative.PushBoolean(s, 1);
        return 1;
    });

    private void DisposeOscClients()
    {
        foreach (OscClient client in _oscClients.Values)
        {
            client.Dispose();
        }

        _oscClients.Clear();
    }
}
