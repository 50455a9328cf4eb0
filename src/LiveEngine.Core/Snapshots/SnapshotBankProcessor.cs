using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// A <see cref="FormedBank"/> as one snapshot runs it: before every block it copies the lanes' values from the
/// snapshot's parameter array (where parameter events write them) into the bank's own, then renders the bank.
/// </summary>
internal sealed class SnapshotBankProcessor : BankProcessor
{
    private readonly float[] _snapshotValues;

    // Per lane node, lane by lane and stage by stage: where its values start in the snapshot's array and in the
    // bank's, and how many there are.
    private readonly int[] _sourceStarts;
    private readonly int[] _bankStarts;
    private readonly int[] _counts;

    public SnapshotBankProcessor(FormedBank bank, float[] snapshotValues, int[] sourceStarts, int[] bankStarts, int[] counts)
    {
        Bank = bank;
        _snapshotValues = snapshotValues;
        _sourceStarts = sourceStarts;
        _bankStarts = bankStarts;
        _counts = counts;
    }

    public FormedBank Bank { get; }

    public override void Process(in ProcessContext context)
    {
        // Audio path: copies only (a few values per lane node), then the bank itself.
        float[] bankValues = Bank.ParameterValues;
        for (int i = 0; i < _counts.Length; i++)
        {
            Array.Copy(_snapshotValues, _sourceStarts[i], bankValues, _bankStarts[i], _counts[i]);
        }

        Bank.Processor.Process(in context);
    }
}
