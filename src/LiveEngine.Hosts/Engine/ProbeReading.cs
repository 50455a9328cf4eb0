using LiveEngine.Live;
using LiveEngine.Snapshots;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// One read of an engine's <see cref="NodeProbe"/>: every node's peak and RMS since the previous read (linear; 0 for
/// silence or a node that ran no block), the output's as played, and how many of the picked node's latest frames were
/// copied into the caller's span.
/// </summary>
/// <param name="NodeIds">The metered nodes, in the order of <paramref name="Peak"/> and <paramref name="Rms"/>.</param>
/// <param name="Peak">Each node's peak.</param>
/// <param name="Rms">Each node's RMS.</param>
/// <param name="OutputPeak">The output's peak, as played.</param>
/// <param name="OutputRms">The output's RMS, as played.</param>
/// <param name="ScopeNodeFound">Whether the picked node is in the playing graph.</param>
/// <param name="ScopeFrames">Frames of the picked node copied (0 when none is picked, or none rendered since it was).</param>
/// <param name="ScopeWritten">Frames the node scope's ring had written by the last one copied.</param>
public sealed record ProbeReading(
    IReadOnlyList<string> NodeIds, float[] Peak, float[] Rms, float OutputPeak, float OutputRms, bool ScopeNodeFound, int ScopeFrames, long ScopeWritten)
{
    /// <summary>
    /// Points <paramref name="probe"/>'s scope at <paramref name="scopeNodeId"/> (null or empty: none), switches its
    /// meters on or off, and reads it. Any thread but the audio side's; allocates the reading.
    /// </summary>
    public static ProbeReading Read(NodeProbe probe, string? scopeNodeId, bool metering, Span<float> scope)
    {
        ArgumentNullException.ThrowIfNull(probe);
        probe.ScopeNodeId = string.IsNullOrEmpty(scopeNodeId) ? null : scopeNodeId;
        probe.Metering = metering;
        GraphSnapshot? snapshot = null;
        var peak = new float[NodeProbe.MaxNodes];
        var rms = new float[NodeProbe.MaxNodes];
        (float Peak, float Rms) output = default;
        int count = metering ? probe.ReadMeters(peak, rms, out output, out snapshot) : 0;
        string[] ids = snapshot is null ? [] : [.. snapshot.NodeIds.Take(count)];
        long written = probe.Scope.Written;
        int frames = 0;
        if (probe.ScopeNodeId is not null)
        {
            frames = probe.CopyScope(scope, out written);
        }

        snapshot ??= probe.MeteredSnapshot;
        bool found = probe.ScopeNodeId is { } id && snapshot?.IndexOfNode(id) >= 0;
        return new ProbeReading(ids, peak[..ids.Length], rms[..ids.Length], output.Peak, output.Rms, found, frames, written);
    }
}
