namespace LiveEngine.Tests.Hosts.Jack;

/// <summary>Tests that start the (one, fixed-name) test JACK server run one after another.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JackServerCollection
{
    public const string Name = "JACK server";
}
