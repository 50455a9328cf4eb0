namespace LiveEngine.Live;

/// <summary>What a session does with a commit whose predicted real-time block time is over its admission limit.</summary>
public enum AdmissionPolicy
{
    /// <summary>No prediction: every valid commit goes live.</summary>
    Off,

    /// <summary>Refuse it (the previous graph keeps playing) with a message naming its costliest nodes.</summary>
    Refuse,

    /// <summary>Commit it anyway, with a warning in the receipt.</summary>
    Warn,
}
