namespace LiveEngine.CSharp;

/// <summary>The overloads of the call around a position in a snippet, and which argument the position is in.</summary>
/// <param name="Signatures">Each overload, as C# displays it (<c>long LiveGlobals.Set(string node, string parameter, double value, Quantization? when = null)</c>).</param>
/// <param name="ActiveSignature">The overload the arguments so far select best (index into <paramref name="Signatures"/>).</param>
/// <param name="ActiveParameter">The 0-based argument the position is in.</param>
public sealed record SignatureHelp(IReadOnlyList<string> Signatures, int ActiveSignature, int ActiveParameter);
