namespace LiveEngine.CSharp;

/// <summary>The outcome of <see cref="NodeAdmission.Admit"/>: a loaded generation, or why its classes were refused.</summary>
/// <param name="Generation">The admitted generation; null when any class was rejected.</param>
/// <param name="Rejections">One reason per rejected class, for example "node 'x' allocates 48 bytes per block in Process".</param>
public sealed record AdmissionResult(NodeGeneration? Generation, IReadOnlyList<string> Rejections)
{
    public bool Admitted => Generation is not null;
}
