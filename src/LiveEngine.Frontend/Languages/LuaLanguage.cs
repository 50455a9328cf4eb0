using System.Globalization;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Lua;
using LiveEngine.Nodes;
using LiveEngine.Time;

namespace LiveEngine.Frontend.Languages;

/// <summary>Lua in the front end: a <see cref="LuaWorkspace"/> (one sandboxed state on its own thread) behind <see cref="ILiveLanguage"/>.</summary>
public sealed class LuaLanguage : ILiveLanguage, LiveEngine.Frontend.Osc.IOscListener
{
    private readonly LuaWorkspace _workspace;
    private readonly KeraLua.Lua _syntax = new(openLibs: false);
    private readonly object _syntaxGate = new();

    public LuaLanguage(ILiveSession session, NodeTypeRegistry registry)
    {
        _workspace = new LuaWorkspace(session, new LuaPieceOptions { NodeTypes = registry });
        _workspace.Diagnostics += message => Diagnostics?.Invoke(message);
        _workspace.AllowOscSendAsync(true).GetAwaiter().GetResult();
    }

    /// <summary>Whether code registered <c>osc(pattern, fn)</c> handlers.</summary>
    public bool WantsOsc => _workspace.OscHandlerCount > 0;

    /// <summary>Runs the matching <c>osc()</c> handlers on the workspace's thread (queued; errors become diagnostics).</summary>
    public Task<string?> OnOsc(LiveEngine.Osc.OscMessage message, long sample) => _workspace.DispatchOscAsync(message.Address, message.Arguments, sample);

    public string Name => "lua";

    public event Action<string>? Diagnostics;

    public Task<Evaluation> EvaluateAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        EvaluateAsync(code, source, quantize, replacesPiece: false);

    public Task<Evaluation> LoadAsync(string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        EvaluateAsync(code, source, quantize, replacesPiece: true);

    public void StopAllAt(long sample) => _workspace.RetireCallbacksAsync(sample).GetAwaiter().GetResult();

    private async Task<Evaluation> EvaluateAsync(string code, string source, Quantization quantize, bool replacesPiece)
    {
        Evaluation when = await _workspace.EvaluateAsync($"quant({ToLua(quantize)})", "quantize").ConfigureAwait(false);
        if (!when.Ok)
        {
            return Evaluation.Failure(when.Error ?? "quantize failed");
        }

        // As Lua's own REPL does: code that is an expression is evaluated as `return (<code>)`, so its value shows.
        // The parentheses keep a call from becoming a tail call, whose errors would lose their line.
        Evaluation result = await _workspace.EvaluateAsync(IsExpression(code) ? "return (" + code + "\n)" : code, source, replacesPiece).ConfigureAwait(false);
        string output = result.Output + (result.Value is string { Length: > 0 } value ? value : "");
        return result.Ok
            ? result with { Output = output.TrimEnd('\n'), Value = null }
            : result with { Output = output, Value = null, Error = result.Error ?? "failed" };
    }

    /// <summary>Lua's own compiler decides: a chunk that fails to load only because it ends early (<c>&lt;eof&gt;</c>) is unfinished.</summary>
    public bool IsComplete(string code)
    {
        lock (_syntaxGate)
        {
            KeraLua.LuaStatus status = _syntax.LoadString(code, "check");
            if (status == KeraLua.LuaStatus.OK)
            {
                _syntax.Pop(1);
                return true;
            }

            string message = _syntax.ToString(-1) ?? "";
            _syntax.Pop(1);
            return status != KeraLua.LuaStatus.ErrSyntax || !message.EndsWith("<eof>", StringComparison.Ordinal);
        }
    }

    private bool IsExpression(string code)
    {
        lock (_syntaxGate)
        {
            if (_syntax.LoadString("return (" + code + "\n);", "check") != KeraLua.LuaStatus.OK)
            {
                _syntax.Pop(1);
                return false;
            }

            _syntax.Pop(1);
            return true;
        }
    }

    public IReadOnlyList<string> Complete(string code, int position)
    {
        int start = position;
        while (start > 0 && (char.IsAsciiLetterOrDigit(code[start - 1]) || code[start - 1] is '_' or '.'))
        {
            start--;
        }

        return _workspace.Completions(code[start..position]);
    }

    public void Pump(long position, bool wait)
    {
        if (wait)
        {
            _workspace.PumpAsync(position).GetAwaiter().GetResult();
        }
        else
        {
            _workspace.Pump(position);
        }
    }

    public void AddHostCommand(string name, Func<string, string> command) => _workspace.AddHostCommandAsync(name, command).GetAwaiter().GetResult();

    public void StopAll() => _workspace.EvaluateAsync("hush()", "panic").GetAwaiter().GetResult();

    /// <summary>Lua defines no node types.</summary>
    public IReadOnlyDictionary<string, string> NodeSources { get; } = new Dictionary<string, string>();

    public string? WritePiece(IReadOnlyCollection<string> nodeTypes, string graphJson) => null;

    internal static string ToLua(Quantization q) => q.Kind switch
    {
        QuantizationKind.Now => "\"now\"",
        QuantizationKind.NextBeat => "\"beat\"",
        QuantizationKind.NextBar => "\"bar\"",
        QuantizationKind.Bars => q.Count.ToString(CultureInfo.InvariantCulture),
        _ => $"{{at = {q.Beat.Numerator.ToString(CultureInfo.InvariantCulture)} / {q.Beat.Denominator.ToString(CultureInfo.InvariantCulture)}}}",
    };

    public void Dispose()
    {
        _workspace.Dispose();
        _syntax.Dispose();
    }
}
