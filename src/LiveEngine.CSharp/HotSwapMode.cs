namespace LiveEngine.CSharp;

/// <summary>How a <see cref="UserNode"/> instance took over from the instance it replaced.</summary>
public enum HotSwapMode
{
    /// <summary>No instance of the same id and type name was playing: the node starts from <c>Setup</c>'s state.</summary>
    Fresh,

    /// <summary>Both classes declare the same fields: the state (phases, filter memories) carried over.</summary>
    Adopted,

    /// <summary>The fields differ: the node starts fresh while the old instance fades out over <see cref="UserNode.CrossfadeMs"/>.</summary>
    Crossfaded,
}
