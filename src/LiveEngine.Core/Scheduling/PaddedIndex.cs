using System.Runtime.InteropServices;

namespace LiveEngine.Scheduling;

/// <summary>
/// A 64-bit counter alone on its cache line (128 bytes, for adjacent-line prefetch), so that counters written
/// by different threads never share a line. False sharing is designed out here once.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedIndex
{
    [FieldOffset(64)]
    public long Value;
}
