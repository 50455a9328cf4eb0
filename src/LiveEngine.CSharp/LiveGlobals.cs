using System.Text;
using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.CSharp;

/// <summary>
/// What a C# snippet sees at its top level (the script's globals): the same control API as the Lua layer —
/// graph building and commits with quantisation, parameters, triggers, tempo, named variables and callbacks that
/// run ahead of the audio on bar lines. Control thread.
/// </summary>
public sealed class LiveGlobals
{
    private readonly List<(long NextBar, long EveryBars, Action<long> Action)> _barCallbacks = [];
    private readonly StringBuilder _output = new();
    private readonly SnippetLimits _limits;

    internal LiveGlobals(ILiveSession session, SnippetLimits limits)
    {
        Session = session;
        _limits = limits;
        Rand = new Random(unchecked((int)session.Options.Seed));
    }

    public ILiveSession Session { get; }

    /// <summary>The session's named variables (shared with Lua, MIDI controllers and the editor socket).</summary>
    public NamedVariables Vars => Session.Variables;

    /// <summary>A random generator seeded from the session seed: a piece renders the same every time.</summary>
    public Random Rand { get; }

    /// <summary>Graph commits made since the workspace last looked.</summary>
    internal int Commits { get; set; }

    internal int CallbackCount => _barCallbacks.Count;

    public static Quantization Now => Quantization.Now;

    public static Quantization NextBeat => Quantization.NextBeat;

    public static Quantization NextBar => Quantization.NextBar;

    public static Quantization InBars(int bars) => Quantization.InBars(bars);

    public static Quantization AtBeat(Fraction beat) => Quantization.AtBeat(beat);

    /// <summary>The start of bar <paramref name="bar"/> (bar 0 starts at sample 0).</summary>
    public Quantization AtBar(long bar) => Quantization.AtBeat(Session.Clock.BeatAt(Session.Clock.SampleAtBar(bar)));

    /// <summary>Beat <paramref name="beat"/> (a fraction such as 1/2 is written <c>Beats(1, 2)</c>) of bar <paramref name="bar"/>.</summary>
    public Quantization AtBar(long bar, Fraction beat) => Quantization.AtBeat(Session.Clock.BeatAt(Session.Clock.SampleAtBar(bar)) + beat);

    /// <summary>The exact fraction <paramref name="numerator"/>/<paramref name="denominator"/> of a beat.</summary>
    public static Fraction Beats(long numerator, long denominator = 1) => Fraction.Create(numerator, denominator);

    /// <summary>The audio position, in beats.</summary>
    public double Beat => Session.Clock.BeatAt(Session.Position).ToDouble();

    /// <summary>The audio position, in bars.</summary>
    public double Bar => Session.Clock.BarAt(Session.Position).ToDouble();

    /// <summary>A new graph holding only the output node "out".</summary>
    public GraphBuilder Graph()
    {
        var graph = new GraphDescription();
        graph.Add("out", "out", channels: Session.Options.OutputChannels);
        return new GraphBuilder(Session, graph, OnCommitted);
    }

    /// <summary>A copy of the latest committed graph, to change and commit.</summary>
    public GraphBuilder Edit() => new(Session, Session.Graph, OnCommitted);

    /// <summary>Sets a parameter of the playing graph at <paramref name="when"/> (default now); returns the sample.</summary>
    public long Set(string node, string parameter, double value, Quantization? when = null) =>
        Session.SetParameter(node, parameter, value, when ?? Quantization.Now);

    /// <summary>Opens <paramref name="parameter"/> (default "gate") at <paramref name="when"/> and closes it <paramref name="lengthBeats"/> later.</summary>
    public (long OnSample, long OffSample) Trigger(string node, Quantization when, Fraction lengthBeats, string parameter = "gate") =>
        Session.Trigger(node, when, lengthBeats, parameter);

    /// <summary>Changes the tempo at <paramref name="when"/> (default next bar).</summary>
    public long Tempo(double bpm, Quantization? when = null) =>
        Session.SetTempo(Fraction.FromDecimal((decimal)bpm), when ?? Quantization.NextBar);

    /// <summary>Brings back the graph before the last commit.</summary>
    public bool Undo(Quantization? when = null) => Session.TryUndo(when ?? Quantization.NextBar, out _);

    /// <summary>
    /// Runs <paramref name="action"/> with the bar number for every <paramref name="everyBars"/>-th bar from the next
    /// bar line on, ahead of the audio (the host's look-ahead), so that it can schedule that bar's events with
    /// <see cref="AtBar(long, Fraction)"/>.
    /// </summary>
    public void EveryBar(Action<long> action, int everyBars = 1)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(everyBars, 1);
        long next = Session.Clock.BarAt(Session.Position).Ceiling();
        _barCallbacks.Add((next, everyBars, action));
    }

    /// <summary>Stops every callback started with <see cref="EveryBar"/>.</summary>
    public void StopAll() => _barCallbacks.Clear();

    /// <summary>Writes a line to the snippet's output.</summary>
    /// <summary>Commands the host offers (e.g. "midi"): name → (argument → answer). Set by the front end.</summary>
    internal Dictionary<string, Func<string, string>> HostCommands { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The controller banks (docs/midi.md), as the REPL's <c>:midi</c> takes them:
    /// <c>Midi("bind cc 74 -&gt; lp.cutoffHz 80..8000 exp soft")</c>, <c>Midi("learn 2 -&gt; drive 1..4")</c>, <c>Midi("list")</c>.
    /// </summary>
    public string Midi(string command) =>
        HostCommands.TryGetValue("midi", out Func<string, string>? midi)
            ? midi(command)
            : throw new InvalidOperationException("MIDI is not available here (no host offers it).");

    public void Print(object? value) => _output.AppendLine(ValueText.Format(value));

    internal string TakeOutput()
    {
        string text = _output.ToString();
        _output.Clear();
        return text;
    }

    /// <summary>
    /// Runs the bar callbacks whose bar starts before <paramref name="horizon"/>, each within the callback timeout
    /// (a runaway one is stopped and reported like any failure); returns the failures.
    /// </summary>
    internal List<string> RunDue(long horizon)
    {
        var failures = new List<string>();
        for (int i = 0; i < _barCallbacks.Count; i++)
        {
            (long next, long every, Action<long> action) = _barCallbacks[i];
            bool stopped = false;
            while (!stopped && Session.Clock.SampleAtBar(next) < horizon)
            {
                var budget = new SnippetBudget("callback", _limits.CallbackTimeout, _limits.StackBytes);
                Exception? failure = null;
                try
                {
                    using SnippetBudget.Scope armed = budget.Arm();
                    action(next);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                // A stopped callback would cost its whole timeout again every bar: it is disabled, as in Lua.
                stopped = budget.Stopped is not null;
                if ((budget.Stopped ?? failure) is { } reported)
                {
                    failures.Add($"bar {next}: {SnippetDiagnostics.FromException(reported)}{(stopped ? " (the callback is disabled; the others go on)" : "")}");
                }

                next += every;
            }

            if (i < _barCallbacks.Count && _barCallbacks[i].Action == action)
            {
                if (stopped)
                {
                    _barCallbacks.RemoveAt(i--);
                }
                else
                {
                    _barCallbacks[i] = (next, every, action);
                }
            }
        }

        return failures;
    }

    private void OnCommitted() => Commits++;
}
