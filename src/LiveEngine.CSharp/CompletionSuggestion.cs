namespace LiveEngine.CSharp;

/// <summary>One completion offered at a position in a snippet.</summary>
/// <param name="Text">What to insert.</param>
/// <param name="Kind">Roslyn's kind tag: Method, Property, Local, Class, Keyword, ...</param>
/// <param name="ReplaceStart">Where the replaced word starts, as an offset in the snippet.</param>
/// <param name="ReplaceLength">Length of the word being replaced.</param>
public readonly record struct CompletionSuggestion(string Text, string Kind, int ReplaceStart, int ReplaceLength);
