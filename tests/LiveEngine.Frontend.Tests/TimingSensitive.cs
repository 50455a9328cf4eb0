namespace LiveEngine.Tests.Frontend;

/// <summary>Tests that measure real time or play through a driver run one at a time.</summary>
[CollectionDefinition("TimingSensitive", DisableParallelization = true)]
public sealed class TimingSensitiveCollection;
