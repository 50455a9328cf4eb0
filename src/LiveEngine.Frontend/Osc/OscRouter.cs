using System.Diagnostics;
using System.Net;
using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Live;
using LiveEngine.Osc;
using LiveEngine.Time;

namespace LiveEngine.Frontend.Osc;

/// <summary>
/// What received OSC messages do: the built-in addresses, then the listeners (Lua's <c>osc()</c> handlers).
/// <list type="bullet">
/// <item><c>/var/NAME value</c> sets the named variable (now: variables are not sample-timed).</item>
/// <item><c>/param/NODE/PARAM value</c> sets a node's parameter on the message's sample.</item>
/// <item><c>/trig/NODE/PARAM [on [beats]]</c> sets it to <c>on</c> (1) on the message's sample and back to 0
/// <c>beats</c> (1/4) later: a note.</item>
/// </list>
/// The message's sample is its time tag through the <see cref="OscTimeMap"/> (latency included); a message with no
/// time (alone, or "immediately") uses its arrival time. A sample the audio side has passed lands at once and is
/// counted late. A refused message (a wrong argument, an unknown node) is counted, and the error kept and raised;
/// nothing here throws. Control side: the server's receive threads call <see cref="Handle"/>, one at a time.
/// </summary>
public sealed class OscRouter
{
    private readonly ILiveSession _session;
    private readonly List<IOscListener> _listeners = [];
    private long _variables, _parameters, _triggers, _late, _refused, _unhandled;
    private string? _lastError;

    public OscRouter(ILiveSession session, OscTimeMap timeMap)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(timeMap);
        _session = session;
        TimeMap = timeMap;
    }

    public OscTimeMap TimeMap { get; }

    /// <summary>Raised with each refused message's error, in words (on the receiving thread).</summary>
    public event Action<string>? Refused;

    /// <summary>
    /// Raised with each message a listener takes and its sample, before the listeners get it, one at a time: what the
    /// session log records (<see cref="Performance.LogOsc"/>), so a replay hands it to the same handlers on that sample.
    /// </summary>
    public event Action<OscMessage, long>? Delivered;

    public long VariablesSet => Interlocked.Read(ref _variables);

    public long ParametersSet => Interlocked.Read(ref _parameters);

    public long Triggers => Interlocked.Read(ref _triggers);

    /// <summary>Messages whose time had passed when they arrived (they landed at once).</summary>
    public long Late => Interlocked.Read(ref _late);

    /// <summary>Messages refused: a wrong argument, an unknown node or parameter.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>Messages no built-in address and no listener took.</summary>
    public long Unhandled => Interlocked.Read(ref _unhandled);

    public string? LastError => Volatile.Read(ref _lastError);

    public void AddListener(IOscListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
    }

    /// <summary>The sample <paramref name="message"/> lands on: its time tag, or its arrival (a <see cref="Stopwatch"/> timestamp) if it has none.</summary>
    public long SampleOf(OscMessage message, long arrivalTimestamp)
    {
        ArgumentNullException.ThrowIfNull(message);
        OscTimeTag time = message.Time.IsImmediate
            ? OscTimeTag.Now.AddSeconds(-Stopwatch.GetElapsedTime(arrivalTimestamp).TotalSeconds)
            : message.Time;
        return TimeMap.SampleAt(time);
    }

    /// <summary>Acts on one message (the server's handler). Never throws for what a sender sends.</summary>
    public void Handle(OscMessage message, IPEndPoint from, long arrivalTimestamp)
    {
        ArgumentNullException.ThrowIfNull(message);
        long sample = SampleOf(message, arrivalTimestamp);
        if (sample < _session.Position)
        {
            Interlocked.Increment(ref _late);
        }

        string address = message.Address;
        try
        {
            if (address.StartsWith("/var/", StringComparison.Ordinal))
            {
                SetVariable(message, address[5..]);
                return;
            }

            if (address.StartsWith("/param/", StringComparison.Ordinal))
            {
                SetParameter(message, address[7..], sample);
                return;
            }

            if (address.StartsWith("/trig/", StringComparison.Ordinal))
            {
                Trigger(message, address[6..], sample);
                return;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException or Graph.GraphValidationException)
        {
            Refuse($"OSC {address} from {from}: {e.Message}");
            return;
        }

        bool taken = false;
        lock (_listeners)
        {
            foreach (IOscListener listener in _listeners)
            {
                if (listener.WantsOsc)
                {
                    if (!taken)
                    {
                        Delivered?.Invoke(message, sample);
                    }

                    _ = listener.OnOsc(message, sample);
                    taken = true;
                }
            }
        }

        if (!taken)
        {
            Interlocked.Increment(ref _unhandled);
        }
    }

    private void SetVariable(OscMessage message, string name)
    {
        if (!NamedVariables.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a variable name (letters, digits and _ , starting with a letter)");
        }

        _session.SetVariable(name, Number(message, 0, "the value"));
        Interlocked.Increment(ref _variables);
    }

    private void SetParameter(OscMessage message, string path, long sample)
    {
        (string node, string parameter) = NodeAndParameter(path, "/param/NODE/PARAM value");
        _session.SetParameter(node, parameter, Number(message, 0, "the value"), At(sample));
        Interlocked.Increment(ref _parameters);
    }

    private void Trigger(OscMessage message, string path, long sample)
    {
        (string node, string parameter) = NodeAndParameter(path, "/trig/NODE/PARAM [on [beats]]");
        double on = message.Arguments.Count > 0 ? Number(message, 0, "on") : 1;
        double beats = message.Arguments.Count > 1 ? Number(message, 1, "the length in beats") : 0.25;
        if (!(beats > 0 && beats <= 1024))
        {
            throw new ArgumentException($"the length must be more than 0 and at most 1024 beats, not {beats}");
        }

        Fraction length = Fraction.FromDecimal((decimal)Math.Round(beats, 6));
        _session.Execute(new TriggerCommand(node, parameter, At(sample), length, on, 0));
        Interlocked.Increment(ref _triggers);
    }

    /// <summary>The exact beat of <paramref name="sample"/>: the clock resolves it back to that very sample.</summary>
    private Quantization At(long sample) => Quantization.AtBeat(_session.Clock.BeatAt(Math.Max(0, sample)));

    private static (string Node, string Parameter) NodeAndParameter(string path, string form)
    {
        int slash = path.LastIndexOf('/');
        if (slash <= 0 || slash == path.Length - 1 || OscAddressPattern.IsPattern(path))
        {
            throw new ArgumentException($"expected {form} with a node id and a parameter name (no wildcards)");
        }

        return (path[..slash], path[(slash + 1)..]);
    }

    private static double Number(OscMessage message, int index, string what)
    {
        if (message.Arguments.Count <= index)
        {
            throw new ArgumentException($"{what} is missing");
        }

        OscValue value = message.Arguments[index];
        if (!value.TryGetDouble(out double number) || !double.IsFinite(number))
        {
            throw new ArgumentException($"{what} must be a finite number (i, h, f, d, T or F), not {value}");
        }

        return number;
    }

    private void Refuse(string error)
    {
        Interlocked.Increment(ref _refused);
        Volatile.Write(ref _lastError, error);
        Refused?.Invoke(error);
    }
}
