using LiveEngine.Languages;

namespace LiveEngine.CSharp;

/// <summary>The node classes of a snippet, compiled: what the front process ships to the engine process.</summary>
/// <param name="Image">The assembly's bytes; null when compilation failed.</param>
/// <param name="Pdb">Its portable PDB (line numbers in exceptions); null when compilation failed.</param>
/// <param name="Diagnostics">Errors and warnings, positioned in the snippet.</param>
/// <param name="ClassNames">The node classes found.</param>
public sealed record NodeAssembly(byte[]? Image, byte[]? Pdb, IReadOnlyList<EvaluationDiagnostic> Diagnostics, IReadOnlyList<string> ClassNames)
{
    public bool Success => Image is not null;
}
