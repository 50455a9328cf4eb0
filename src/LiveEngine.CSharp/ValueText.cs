using System.Collections;
using System.Globalization;

namespace LiveEngine.CSharp;

/// <summary>
/// How a snippet's value reads in the REPL (a trailing expression, <c>Print(x)</c>): numbers in the invariant
/// culture, and collections by their elements (<c>[osc (sine), out (out)]</c>) instead of .NET's type name
/// (<c>System.Collections.Generic.List`1[LiveEngine.Graph.NodeSpec]</c>).
/// </summary>
public static class ValueText
{
    private const int MaxElements = 50;
    private const int MaxDepth = 3;

    public static string Format(object? value) => Format(value, 0);

    private static string Format(object? value, int depth)
    {
        switch (value)
        {
            case null:
                return "";
            case string text:
                return text;
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary dictionary when depth < MaxDepth:
                var entries = new List<string>();
                IDictionaryEnumerator entry = dictionary.GetEnumerator();
                while (entry.MoveNext() && entries.Count < MaxElements)
                {
                    entries.Add($"{Format(entry.Key, depth + 1)}: {Format(entry.Value, depth + 1)}");
                }

                return "{" + Join(entries, dictionary.Count) + "}";
            case IEnumerable sequence when depth < MaxDepth:
                var items = new List<string>();
                int count = 0;
                foreach (object? item in sequence)
                {
                    if (count++ < MaxElements)
                    {
                        items.Add(Format(item, depth + 1));
                    }
                }

                return "[" + Join(items, count) + "]";
            default:
                // A type that does not say what it holds: its short name rather than the namespace-qualified one.
                string? shown = value.ToString();
                return shown is null || shown == value.GetType().ToString() ? value.GetType().Name : shown;
        }
    }

    private static string Join(IEnumerable<string> items, int count) =>
        string.Join(", ", items.Take(MaxElements)) + (count > MaxElements ? $", … ({count} in all)" : "");
}
