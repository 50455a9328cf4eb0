using LiveEngine.Nodes;

namespace LiveEngine.Snapshots;

/// <summary>
/// A <see cref="FormedBank"/> as one snapshot runs it: before every block it copies the lanes' values from the
/// snapshot's parameter array (where parameter events write them) into the bank's own, then renders the bank.
/// </summary>
internal sealed class SnapshotBankProcessor : BankProcessor
{
    private readonly float[] _snapshotValues;

    // For each of the bank's values, its index in the snapshot's array.
    private readonly int[] _sourceIndices;

    public SnapshotBankProcessor(FormedBank bank, float[] snapshotValues, int[] sourceIndices)
    {
        Bank = bank;
        _snapshotValues = snapshotValues;
        _sourceIndices = sourceIndices;
    }

    public FormedBank Bank { get; }

    public override void Process(in ProcessContext context)
    {
        // Audio path: a gather of a few values per lane node, then the bank itself.
        float[] bankValues = Bank.ParameterValues;
        float[] snapshotValues = _snapshotValues;
        int[] sourceIndices = _sourceIndices;
        for (int i = 0; i < sourceIndices.Length; i++)
        {
            bankValues[i] = snapshotValues[sourceIndices[i]];
        }

        Bank.Processor.Process(in context);
    }
}
