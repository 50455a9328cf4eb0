using System.Collections.Concurrent;
using LiveEngine.Dsp;
using LiveEngine.Languages;
using LiveEngine.Live;

namespace LiveEngine.Lua;

/// <summary>
/// A persistent Lua state for the REPL and the editor socket: one sandboxed state bound to a session, living on
/// its own thread, into which code is sent piece by piece (globals persist between evaluations). Thread-safe:
/// any thread may call; the work runs in order on the workspace's thread.
/// </summary>
public sealed class LuaWorkspace : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly LuaMachine _machine;
    private long _pumpPosition = -1;
    private int _pumpQueued;
    private volatile string[] _names = [];
    private bool _disposed;

    public LuaWorkspace(ILiveSession session, LuaPieceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        options ??= new LuaPieceOptions();
        var ready = new TaskCompletionSource<LuaMachine>(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            try
            {
                ready.SetResult(new LuaMachine(session, options.NodeTypes ?? BuiltinNodeTypes.CreateRegistry(), options.Limits));
            }
            catch (Exception e)
            {
                ready.SetException(e);
                return;
            }

            foreach (Action item in _work.GetConsumingEnumerable())
            {
                item();
            }

            ready.Task.Result.Dispose();
        })
        {
            IsBackground = true,
            Name = "LiveEngine Lua workspace",
        };
        _thread.Start();
        _machine = ready.Task.GetAwaiter().GetResult();
        _machine.Diagnostics += m => Diagnostics?.Invoke(m);
        _machine.Printed += m => Output?.Invoke(m);
        RefreshNames().GetAwaiter().GetResult();
    }

    /// <summary>Errors and notices from callbacks (raised on the workspace's thread).</summary>
    public event Action<string>? Diagnostics;

    /// <summary>What callbacks print (raised on the workspace's thread).</summary>
    public event Action<string>? Output;

    /// <summary>Samples ahead of the audio position that callbacks run.</summary>
    public long LookaheadSamples => _machine.LookaheadSamples;

    /// <summary>
    /// Runs <paramref name="code"/> (chunk name <paramref name="chunkName"/>, used in error messages) after
    /// everything sent before it. A syntax or runtime error, or a limit, gives a failed result; the state stays usable.
    /// </summary>
    /// <remarks>
    /// With <paramref name="replacesPiece"/> the code is a piece loaded in place of the one playing (the REPL's
    /// <c>:load</c>): the callbacks running before it stop where its graph lands.
    /// </remarks>
    public Task<Evaluation> EvaluateAsync(string code, string chunkName = "repl", bool replacesPiece = false)
    {
        ArgumentNullException.ThrowIfNull(code);
        return Post(() =>
        {
            try
            {
                (string? value, string printed) = _machine.Evaluate(code, chunkName, replacesPiece);
                long commit = _machine.LastEvaluationCommitSample;
                return Evaluation.Success(printed, value) with { CommitSample = commit >= 0 ? commit : null };
            }
            catch (LuaScriptException e)
            {
                return Evaluation.Failure(e.Message);
            }
        }).ContinueWith(async t =>
        {
            await RefreshNames().ConfigureAwait(false);
            return t.Result;
        }, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Asks the workspace to run the callbacks due before <paramref name="position"/> + the look-ahead. Never
    /// blocks: call it every few milliseconds with the audio position; requests that pile up are merged.
    /// </summary>
    public void Pump(long position)
    {
        Interlocked.Exchange(ref _pumpPosition, position);
        if (Interlocked.Exchange(ref _pumpQueued, 1) == 0 && !_disposed)
        {
            _work.Add(() =>
            {
                Volatile.Write(ref _pumpQueued, 0);
                _machine.Pump(Interlocked.Read(ref _pumpPosition));
            });
        }
    }

    /// <summary>Runs the callbacks due before <paramref name="position"/> + the look-ahead, and returns once they have run.</summary>
    public Task PumpAsync(long position) => Post(() =>
    {
        _machine.Pump(position);
        return true;
    });

    /// <summary>Offers a host command to scripts (Lua: <c>host(name, arg)</c>; the prelude's <c>midi(cmd)</c> calls "midi"). Runs on the workspace's thread.</summary>
    public Task AddHostCommandAsync(string name, Func<string, string> command)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(command);
        return Post(() =>
        {
            _machine.HostCommands[name] = command;
            return true;
        });
    }

    /// <summary>Handlers the code registered with <c>osc(pattern, fn)</c>; 0 means OSC messages need not be posted here.</summary>
    public int OscHandlerCount => _machine.OscHandlerCount;

    /// <summary>
    /// Runs the <c>osc()</c> handlers matching <paramref name="address"/> on the workspace's thread, after everything
    /// sent before, as a callback at <paramref name="sample"/>'s musical time. The result is null or the error.
    /// </summary>
    public Task<string?> DispatchOscAsync(string address, IReadOnlyList<LiveEngine.Osc.OscValue> arguments, long sample)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(arguments);
        return Post(() => _machine.DispatchOsc(address, arguments, _machine.Session.Clock.BeatAt(sample)));
    }

    /// <summary>Lets code send OSC with <c>osc_send</c> (a performance allows it; a bare piece does not).</summary>
    public Task AllowOscSendAsync(bool allowed) => Post(() =>
    {
        _machine.OscSendAllowed = allowed;
        return true;
    });

    /// <summary>
    /// The callbacks running now stop at <paramref name="sample"/> (those due before it still run): another piece's
    /// graph lands there. Callbacks made after this call are not touched.
    /// </summary>
    public Task RetireCallbacksAsync(long sample) => Post(() =>
    {
        _machine.RetireCallbacks(_machine.Session.Clock.BeatAt(sample));
        return true;
    });

    /// <summary>Callbacks running now (those of a replaced piece included until they stop), counted after everything sent before.</summary>
    public Task<int> CountCallbacksAsync() => Post(() => _machine.ActiveCallbacks);

    /// <summary>Bytes the Lua state holds, measured on the workspace's thread after everything sent before.</summary>
    public Task<long> MeasureMemoryAsync() => Post(() => _machine.MemoryBytes);

    /// <summary>Global names (DSL, stdlib, the user's own) that start with <paramref name="prefix"/>, sorted.</summary>
    public IReadOnlyList<string> Completions(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return [.. _names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))];
    }

    private Task RefreshNames() => Post(() =>
    {
        (string? names, _) = _machine.Evaluate("return __names()", "names");
        _names = names is null ? [] : names.Split('\n');
        return true;
    });

    private Task<T> Post<T>(Func<T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
