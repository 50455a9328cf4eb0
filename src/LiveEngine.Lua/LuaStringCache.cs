using System.Text;
using LiveEngine.Lua.Native;

namespace LiveEngine.Lua;

/// <summary>
/// Managed strings for Lua strings without allocating on a hit: Lua interns short strings, so the same node id or
/// parameter name in a callback keeps its address, and the cache maps that address to the managed string made the
/// first time. The bytes are compared on every hit, so a reused address never returns a stale string.
/// </summary>
internal sealed unsafe class LuaStringCache
{
    private const int Capacity = 4096;
    private readonly Dictionary<nint, Entry> _entries = [];

    /// <summary>The string at <paramref name="index"/> of <paramref name="state"/>'s stack, or null if it is not a string.</summary>
    public string? Get(nint state, int index)
    {
        if (LuaNative.Type(state, index) != LuaNative.TypeString)
        {
            return null;
        }

        byte* text = LuaNative.ToLString(state, index, out nuint length);
        var bytes = new ReadOnlySpan<byte>(text, (int)length);
        if (_entries.TryGetValue((nint)text, out Entry entry) && bytes.SequenceEqual(entry.Bytes))
        {
            return entry.Text;
        }

        return Add((nint)text, bytes);
    }

    private string Add(nint address, ReadOnlySpan<byte> bytes)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        string value = Encoding.UTF8.GetString(bytes);
        _entries[address] = new Entry(bytes.ToArray(), value);
        return value;
    }

    private readonly record struct Entry(byte[] Bytes, string Text);
}
