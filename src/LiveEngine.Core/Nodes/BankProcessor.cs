namespace LiveEngine.Nodes;

/// <summary>
/// The job of one voice bank: renders every lane's chain and writes the sum over lanes to the context's outputs.
/// Holds no musical state of its own (that stays in the lanes' nodes), only scratch memory sized when created.
/// </summary>
public abstract class BankProcessor
{
    /// <summary>
    /// Renders one block. The context has no inputs and no parameters (the bank reads its lanes' parameters itself);
    /// its outputs are the bank's summed channels. Audio path only: allocation-free, lock-free, never throws.
    /// </summary>
    public abstract void Process(in ProcessContext context);
}
