using System.Text;
using LiveEngine.Graph;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Interns the names that arrive over the socket (node ids, parameter names, variables), so that a parameter change
/// at 100 Hz decodes its names without allocating: UTF-8 is decoded into a stack buffer and looked up by span.
/// Bounded, so that a flood of distinct names cannot grow it forever (those beyond the bound are allocated).
/// One thread at a time.
/// </summary>
public sealed class StringTable
{
    private const int MaxEntries = 4096;
    private const int MaxInternedChars = 256;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringTable()
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _strings.Count;

    /// <summary>
    /// The graph <see cref="GraphCodec.Read"/> decoded last through this table: the next decode shares its unchanged
    /// nodes and edges. Whoever receives a decoded graph must not change it (the session owns it).
    /// </summary>
    public GraphDescription? LastGraph { get; set; }

    /// <summary>The encoded bytes of <see cref="LastGraph"/>, which the next decode compares its nodes and edges with.</summary>
    public GraphFrameMemory LastGraphFrame { get; } = new();

    /// <summary>The string for <paramref name="utf8"/>; the same instance every time for names of up to 256 chars.</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxInternedChars)
        {
            return s_strictUtf8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxInternedChars];
        int count = s_strictUtf8.GetChars(utf8, chars);
        ReadOnlySpan<char> text = chars[..count];
        if (_lookup.TryGetValue(text, out string? known))
        {
            return known;
        }

        string created = new(text);
        if (_strings.Count < MaxEntries)
        {
            _strings.Add(created);
        }

        return created;
    }
}
