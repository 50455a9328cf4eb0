using System.Collections.Concurrent;

namespace LiveEngine.Control;

/// <summary>
/// The session's named variables: numbers that code (Lua, C#) reads and that controllers, the REPL and the socket
/// write — the places a MIDI controller bank binds to when it does not drive a node parameter directly.
/// Thread-safe; reads and writes of an existing name allocate nothing (a boxed slot per name, created once).
/// Not for the audio path: nodes get values through parameters.
/// </summary>
public sealed class NamedVariables
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Raised after a value changes, on the writer's thread: (name, value). Keep handlers short.</summary>
    public event Action<string, double>? Changed;

    /// <summary>Grows by one on every write: a cheap way to tell whether anything changed since the last look.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>How many names exist.</summary>
    public int Count => _slots.Count;

    /// <summary>The names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _slots.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, creating it if it does not exist.</summary>
    public void Set(string name, double value)
    {
        ValidateName(name);
        if (!double.IsFinite(value))
        {
            // No parameter name or actual value: .NET would append "(Parameter 'value') Actual value was NaN." to a performer's message.
            throw new ArgumentOutOfRangeException(null, $"Variable '{name}' = {(double.IsNaN(value) ? "NaN (not a number, e.g. 0/0)" : value.ToString(System.Globalization.CultureInfo.InvariantCulture))}: a variable holds a finite number.");
        }

        Slot slot = _slots.GetOrAdd(name, static _ => new Slot());
        Volatile.Write(ref slot.Value, value);
        Interlocked.Increment(ref _version);
        Changed?.Invoke(name, value);
    }

    /// <summary>The value of <paramref name="name"/>, or <paramref name="fallback"/> if it has never been set.</summary>
    public double Get(string name, double fallback = 0) =>
        _slots.TryGetValue(name, out Slot? slot) ? Volatile.Read(ref slot.Value) : fallback;

    public bool TryGet(string name, out double value)
    {
        if (_slots.TryGetValue(name, out Slot? slot))
        {
            value = Volatile.Read(ref slot.Value);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>A copy of every name and value, sorted by name (for saving with the session).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Snapshot() =>
        [.. _slots.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyValuePair<string, double>(p.Key, Volatile.Read(ref p.Value.Value)))];

    /// <summary>Variable names: a letter or '_' first, then letters, digits, '_', '.' or '/' (e.g. <c>bank1/cutoff</c>).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidateName(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a variable name: start with a letter or '_', then letters, digits, '_', '.' or '/' (at most 128).", nameof(name));
        }
    }

    private sealed class Slot
    {
        public double Value;
    }
}
