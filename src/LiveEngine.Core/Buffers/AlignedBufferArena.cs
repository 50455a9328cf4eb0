using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiveEngine.Buffers;

/// <summary>
/// One block of sample memory for a snapshot: <see cref="BufferCount"/> channel buffers of
/// <see cref="StrideFrames"/> floats each, every buffer 64-byte aligned. Buffer 0 is the silence buffer:
/// it is zero and nothing writes it, so an unconnected input reads it.
/// </summary>
/// <remarks>
/// Design: the memory is a pinned array on the pinned object heap rather than native memory, so the
/// arena is reclaimed by the GC with the snapshot that owns it; the audio thread never frees, and no
/// reader can outlive the memory it points into. Allocated when compiling a snapshot, never in Process.
/// </remarks>
public sealed unsafe class AlignedBufferArena
{
    /// <summary>Alignment of every buffer in bytes: one cache line, and the width of a Vector512.</summary>
    public const int AlignmentBytes = 64;

    private const int AlignmentFloats = AlignmentBytes / sizeof(float);

    private readonly float[] _memory;
    private readonly int _alignOffset;

    public AlignedBufferArena(int bufferCount, int maxBlockFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlockFrames, 1);
        BufferCount = bufferCount;
        StrideFrames = (maxBlockFrames + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
        long length = (long)bufferCount * StrideFrames + AlignmentFloats;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferCount), $"{bufferCount} buffers of {maxBlockFrames} frames do not fit in one arena.");
        }

        _memory = GC.AllocateArray<float>((int)length, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _memory[0]);
        _alignOffset = (int)((AlignmentBytes - (address % AlignmentBytes)) % AlignmentBytes) / sizeof(float);
        BasePointer = (float*)Unsafe.AsPointer(ref _memory[_alignOffset]);
        Debug.Assert((nint)BasePointer % AlignmentBytes == 0, "The arena base must be 64-byte aligned.");
    }

    /// <summary>Number of channel buffers, including the silence buffer at index 0.</summary>
    public int BufferCount { get; }

    /// <summary>Distance in floats between consecutive buffers: the maximum block size rounded up to 64 bytes.</summary>
    public int StrideFrames { get; }

    /// <summary>Start of buffer 0. Valid for the arena's lifetime (the memory is pinned).</summary>
    public float* BasePointer { get; }

    /// <summary>Offset in floats of buffer <paramref name="bufferIndex"/> from <see cref="BasePointer"/>.</summary>
    public int OffsetOf(int bufferIndex) => bufferIndex * StrideFrames;

    /// <summary>The first <paramref name="frames"/> samples of a buffer.</summary>
    public Span<float> GetBuffer(int bufferIndex, int frames)
    {
        Debug.Assert((uint)bufferIndex < (uint)BufferCount, "Buffer index out of range: was the snapshot compiled for another arena?");
        Debug.Assert(frames <= StrideFrames, "More frames than the arena was sized for: the block exceeds the snapshot's maxBlockFrames.");
        return new Span<float>(BasePointer + OffsetOf(bufferIndex), frames);
    }
}
