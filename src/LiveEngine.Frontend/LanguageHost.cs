using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// The languages bound to one session (Lua, C#), and their evaluations: one at a time, in the order they arrive,
/// each logged (and flushed) before it runs and its result logged after, so that <see cref="SessionReplay"/> can
/// re-render the session.
/// </summary>
public sealed class LanguageHost : IDisposable
{
    private readonly Dictionary<string, ILiveLanguage> _languages = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private readonly ILiveSession _session;
    private readonly NoticeBoard _notices;
    private readonly Func<SessionLog?> _log;

    public LanguageHost(ILiveSession session, NoticeBoard notices, Func<SessionLog?> log)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(notices);
        ArgumentNullException.ThrowIfNull(log);
        _session = session;
        _notices = notices;
        _log = log;
    }

    public IReadOnlyCollection<string> Names => _languages.Keys;

    /// <summary>True while an evaluation or load runs (its commits may already have changed the graph; <see cref="Evaluated"/> says where they land).</summary>
    public bool Evaluating => _evaluating.CurrentCount == 0;

    /// <summary>Raised after each evaluation or load is logged, with its result (a commit's sample in <see cref="Evaluation.CommitSample"/>); on the evaluating thread.</summary>
    public event Action<Evaluation>? Evaluated;

    /// <summary>Every language, in no particular order.</summary>
    public IReadOnlyCollection<ILiveLanguage> All => _languages.Values;

    /// <summary>Binds a language to the session; its diagnostics become notices, and <paramref name="hostCommands"/> are offered to its code.</summary>
    public void Add(Func<ILiveSession, ILiveLanguage> create, IEnumerable<(string Name, Func<string, string> Command)> hostCommands)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(hostCommands);
        ILiveLanguage language = create(_session);
        language.Diagnostics += message => _notices.Raise(NoticeLevel.Error, language.Name, message);
        foreach ((string name, Func<string, string> command) in hostCommands)
        {
            language.AddHostCommand(name, command);
        }

        _languages.Add(language.Name, language);
    }

    public bool TryGet(string name, out ILiveLanguage? language) => _languages.TryGetValue(name, out language);

    /// <summary>Stops every language's callbacks now (the panic button).</summary>
    public void StopAll()
    {
        foreach (ILiveLanguage language in _languages.Values)
        {
            language.StopAll();
        }
    }

    /// <summary>Stops every language's callbacks, but <paramref name="except"/>'s, at <paramref name="sample"/> (where a new piece lands).</summary>
    public void StopAllAt(long sample, ILiveLanguage? except = null)
    {
        foreach (ILiveLanguage language in _languages.Values.Where(l => l != except))
        {
            language.StopAllAt(sample);
        }
    }

    /// <summary>
    /// Evaluates <paramref name="code"/> in <paramref name="language"/>: logged (and flushed) first, then run; the
    /// result is logged too. An unknown language is an error result, not an exception.
    /// </summary>
    public Task<Evaluation> EvaluateAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        RunLoggedAsync("eval", language, code, source, quantize, static (lang, code, source, quantize, token) => lang.EvaluateAsync(code, source, quantize, token), cancellationToken);

    /// <summary>Evaluates <paramref name="code"/> as a piece loaded in place of the one playing (see <see cref="Performance.LoadAsync(string, Quantization, CancellationToken)"/>). Logged.</summary>
    public Task<Evaluation> LoadCodeAsync(string language, string code, string source, Quantization quantize, CancellationToken cancellationToken = default) =>
        RunLoggedAsync("load", language, code, source, quantize, LoadInPlaceAsync, cancellationToken);

    /// <summary>Loads a piece in <paramref name="lang"/>; once it is in, every other language's callbacks stop where its graph lands.</summary>
    private async Task<Evaluation> LoadInPlaceAsync(ILiveLanguage lang, string code, string source, Quantization quantize, CancellationToken cancellationToken)
    {
        Evaluation result = await lang.LoadAsync(code, source, quantize, cancellationToken).ConfigureAwait(false);
        if (result.Ok)
        {
            StopAllAt(result.CommitSample ?? _session.Position, except: lang);
        }

        return result;
    }

    /// <summary>
    /// One evaluation at a time: logs <paramref name="code"/> as a <paramref name="kind"/> entry (flushed before it
    /// runs), runs it, and logs the result. An unknown language or an exception is an error result, not an exception.
    /// </summary>
    private async Task<Evaluation> RunLoggedAsync(
        string kind, string language, string code, string source, Quantization quantize,
        Func<ILiveLanguage, string, string, Quantization, CancellationToken, Task<Evaluation>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!_languages.TryGetValue(language, out ILiveLanguage? lang))
        {
            return Evaluation.Failure($"No language '{language}': this performance has {string.Join(", ", _languages.Keys.Order())}.");
        }

        await _evaluating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _log()?.Append(new SessionLogEntry { Kind = kind, Position = _session.Position, Language = lang.Name, Source = source, Code = code, Quantize = quantize.ToString() });
            Evaluation result;
            try
            {
                result = await run(lang, code, source, quantize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = Evaluation.Failure($"{source}: {e.Message}");
            }

            _log()?.Append(new SessionLogEntry { Kind = "result", Position = _session.Position, Language = lang.Name, Source = source, Ok = result.Ok, Output = result.Output, Error = result.Error });
            Evaluated?.Invoke(result);
            return result;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    /// <summary>Loads synchronously (replay, where no other thread evaluates).</summary>
    public Evaluation LoadCode(string language, string code, string source, Quantization quantize) =>
        LoadCodeAsync(language, code, source, quantize).GetAwaiter().GetResult();

    /// <summary>Evaluates synchronously (offline rendering and replay, where no other thread evaluates).</summary>
    public Evaluation Evaluate(string language, string code, string source, Quantization quantize) =>
        EvaluateAsync(language, code, source, quantize).GetAwaiter().GetResult();

    /// <summary>Lets every language schedule its callbacks up to <paramref name="position"/>; a callback that throws is a notice. Control thread (or offline rendering).</summary>
    public void Pump(long position, bool wait)
    {
        foreach (ILiveLanguage language in _languages.Values)
        {
            try
            {
                language.Pump(position, wait);
            }
            catch (Exception e)
            {
                _notices.Raise(NoticeLevel.Error, language.Name, e.Message);
            }
        }
    }

    public void Dispose()
    {
        foreach (ILiveLanguage language in _languages.Values)
        {
            language.Dispose();
        }

        _evaluating.Dispose();
    }
}
