namespace LiveEngine.Midi.Translation;

/// <summary>
/// Value scaling between MIDI 1.0 and MIDI 2.0 resolutions.
/// Design: M2-115-U "MIDI 2.0 Bit Scaling and Resolution" v1.0.1: min-center-max up-scaling (3.3) keeps the minimum,
/// the center and the maximum exact and repeats the bits below the top one above the center; down-scaling is a plain
/// shift (3.4).
/// </summary>
public static class MidiScaling
{
    public static uint ScaleUp(uint value, int sourceBits, int destinationBits)
    {
        int scaleBits = destinationBits - sourceBits;
        uint shifted = (uint)((ulong)value << scaleBits);
        uint center = 1u << (sourceBits - 1);
        if (value <= center)
        {
            return shifted;
        }

        int repeatBits = sourceBits - 1;
        uint repeatMask = (1u << repeatBits) - 1;
        uint repeat = value & repeatMask;
        repeat = scaleBits > repeatBits ? repeat << (scaleBits - repeatBits) : repeat >> (repeatBits - scaleBits);
        while (repeat != 0)
        {
            shifted |= repeat;
            repeat >>= repeatBits;
        }

        return shifted;
    }

    public static uint ScaleDown(uint value, int sourceBits, int destinationBits) => value >> (sourceBits - destinationBits);
}
