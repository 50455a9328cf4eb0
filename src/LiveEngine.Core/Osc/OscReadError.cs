namespace LiveEngine.Osc;

/// <summary>Why a packet could not be read; every value has a sentence in <see cref="OscPacketReader.Describe"/>.</summary>
public enum OscReadError
{
    None,
    Empty,
    TooLarge,
    NotAligned,
    BadAddress,
    UnterminatedString,
    MissingTypeTags,
    UnknownTypeTag,
    Truncated,
    BadBundleHeader,
    BadElementSize,
    NestingTooDeep,
    UnbalancedArray,
    TooManyArguments,
    TooManyMessages,
    BadUtf8,
}
