namespace LiveEngine.Hosts.Link;

/// <summary>How the engine's clock follows the Link session (<c>[link]</c> in repl.config, docs/link.md).</summary>
public sealed record LinkOptions
{
    /// <summary>Beats over which phases are aligned (Link's quantum); the engine's bar lines fall on the session's quantum boundaries when it equals the meter.</summary>
    public double Quantum { get; init; } = 4;

    /// <summary>
    /// Microseconds from the moment the audio thread starts rendering a sample to the moment it is heard (the output
    /// latency); Link compares the times at which peers are heard.
    /// </summary>
    public long OutputLatencyMicros { get; init; }

    /// <summary>Share start and stop with the peers that also enable it.</summary>
    public bool StartStopSync { get; init; } = true;

    /// <summary>A phase error below this many milliseconds is left alone.</summary>
    public double PhaseToleranceMs { get; init; } = 0.1;
}
