namespace LiveEngine.Frontend.Osc;

/// <summary>What an <see cref="OscFuzzer"/> run found.</summary>
public sealed record OscFuzzReport(
    TimeSpan Duration,
    long Inputs,
    long Crashes,
    long InvariantFailures,
    long Messages,
    long Rejected,
    long AudioBlocks,
    long AudioAllocatedBytes,
    long ParametersSet,
    long Refused,
    string? FirstFailure)
{
    /// <summary>Nothing crashed, every well-formed packet read back as written, and the audio side allocated nothing.</summary>
    public bool Passed => Crashes == 0 && InvariantFailures == 0 && AudioAllocatedBytes == 0;
}
