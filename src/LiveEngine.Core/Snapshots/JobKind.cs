namespace LiveEngine.Snapshots;

/// <summary>What a job in a snapshot does.</summary>
public enum JobKind : byte
{
    /// <summary>Calls <see cref="Nodes.AudioNode.Process"/> of a node.</summary>
    Node,

    /// <summary>Calls <see cref="Nodes.FeedbackBoundaryNode.ProcessWrite"/>: the input half of a feedback node.</summary>
    FeedbackWrite,

    /// <summary>Adds two multi-channel inputs: one step of a balanced mix tree. Inputs are a's channels, then b's.</summary>
    Mix,

    /// <summary>Calls <see cref="Nodes.BankProcessor.Process"/> of a voice bank: several like chains in SIMD lanes, summed.</summary>
    Bank,
}
