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
    long DirtEvents,
    long DirtRefused,
    string? FirstFailure)
{
    /// <summary>The latest reason a /dirt/play event was refused (to see that the refusals are the hostile input's).</summary>
    public string? LastDirtRefusal { get; init; }

    /// <summary>Nothing crashed, every well-formed packet read back as written, and the audio side allocated nothing.</summary>
    public bool Passed => Crashes == 0 && InvariantFailures == 0 && AudioAllocatedBytes == 0;
}
