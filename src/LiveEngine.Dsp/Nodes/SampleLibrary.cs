using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// Named samples for the sampler node. Thread-safe; used on the control plane only: a sampler looks its
/// sample up once, when it is prepared, and holds the <see cref="SampleData"/> it found, so replacing or
/// removing a name never disturbs a sampler that is playing.
/// </summary>
public sealed class SampleLibrary
{
    private readonly ConcurrentDictionary<string, SampleData> _samples = new(StringComparer.Ordinal);

    // Samples named "#N", by N: replaced whole on each add (copy on write), so the audio side reads it without a lock.
    private SampleData?[] _indexed = [];
    private readonly object _indexedGate = new();

    /// <summary>The largest N of an indexed name "#N".</summary>
    public const int MaxIndex = 65_535;

    /// <summary>The library the built-in "sampler" node type reads from.</summary>
    public static SampleLibrary Shared { get; } = new();

    /// <summary>The names of the samples held now, in ordinal order.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var names = new List<string>(_samples.Keys);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>
    /// Stores a copy of <paramref name="channels"/> (at least one channel, all of the same non-zero length)
    /// under <paramref name="name"/>, replacing any sample of that name, and returns it.
    /// </summary>
    public SampleData Add(string name, IReadOnlyList<float[]> channels, int sampleRate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (channels.Count == 0)
        {
            throw new ArgumentException($"Sample '{name}' has no channels; give at least one.", nameof(channels));
        }

        var copies = new float[channels.Count][];
        for (int c = 0; c < copies.Length; c++)
        {
            float[] channel = channels[c] ?? throw new ArgumentException($"Sample '{name}': channel {c} is null.", nameof(channels));
            if (channel.Length == 0 || channel.Length != channels[0].Length)
            {
                throw new ArgumentException(
                    $"Sample '{name}': channel {c} has {channel.Length} frames, channel 0 has {channels[0].Length}; channels must be of one non-zero length.",
                    nameof(channels));
            }

            copies[c] = (float[])channel.Clone();
        }

        var sample = new SampleData(name, copies, sampleRate);
        _samples[name] = sample;
        if (name[0] == '#' && int.TryParse(name.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) && index <= MaxIndex)
        {
            lock (_indexedGate)
            {
                SampleData?[] next = new SampleData?[Math.Max(_indexed.Length, index + 1)];
                _indexed.CopyTo(next, 0);
                next[index] = sample;
                Volatile.Write(ref _indexed, next);
            }
        }

        return sample;
    }

    /// <summary>The name under which a sample is also found by index (<see cref="GetIndexed"/>): "#N".</summary>
    public static string IndexedName(int index) => "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The sample added as "#<paramref name="index"/>", or null. Any thread, the audio side included: no lock, no
    /// allocation (the SuperDirt player picks a voice's sound by index at its trigger sample).
    /// </summary>
    public SampleData? GetIndexed(int index)
    {
        SampleData?[] indexed = Volatile.Read(ref _indexed);
        return (uint)index < (uint)indexed.Length ? indexed[index] : null;
    }

    public bool TryGet(string name, [NotNullWhen(true)] out SampleData? sample) => _samples.TryGetValue(name, out sample);

    /// <summary>The sample called <paramref name="name"/>; the exception names the samples that do exist.</summary>
    public SampleData Get(string name)
    {
        if (TryGet(name, out SampleData? sample))
        {
            return sample;
        }

        IReadOnlyList<string> known = Names;
        string list = known.Count == 0 ? "the library is empty" : "known samples: " + string.Join(", ", known);
        throw new KeyNotFoundException($"No sample named '{name}' in the sample library ({list}).");
    }

    public bool Remove(string name) => _samples.TryRemove(name, out _);
}
