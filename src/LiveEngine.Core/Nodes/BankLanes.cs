namespace LiveEngine.Nodes;

/// <summary>What a bank is built from: for every lane (voice) its prepared node instances, one per stage, and where
/// their parameters live in the snapshot's parameter array (which parameter events update while it plays).</summary>
/// <param name="Nodes">Nodes[lane][stage]: the prepared instances, shared with nothing else in the snapshot.</param>
/// <param name="ParameterStarts">ParameterStarts[lane][stage]: index of the node's first parameter in <paramref name="ParameterValues"/>.</param>
/// <param name="ParameterValues">The snapshot's parameter values, read every block.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="MaxBlockFrames">The largest block the bank will render.</param>
public sealed record BankLanes(AudioNode[][] Nodes, int[][] ParameterStarts, float[] ParameterValues, int SampleRate, int MaxBlockFrames)
{
    public int LaneCount => Nodes.Length;
}
