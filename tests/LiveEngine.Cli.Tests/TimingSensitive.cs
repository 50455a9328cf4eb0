namespace LiveEngine.Tests.Cli;

/// <summary>Tests that play in real time (the REPL through the null driver) run one at a time.</summary>
[CollectionDefinition("TimingSensitive", DisableParallelization = true)]
public sealed class TimingSensitiveCollection;
