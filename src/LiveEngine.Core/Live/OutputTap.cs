namespace LiveEngine.Live;

/// <summary>
/// The last <see cref="Capacity"/> frames of a renderer's output, mixed to one channel, for display (the browser
/// stage view's scope and spectrum, docs/ui.md). The audio thread writes each rendered block into a preallocated
/// ring and publishes the count; it never waits and allocates nothing. Readers on any thread copy the latest
/// frames out and learn whether the audio thread overwrote them meanwhile.
/// </summary>
public sealed class OutputTap
{
    /// <summary>Frames the ring holds (a power of two).</summary>
    public const int Capacity = 1 << 14;

    /// <summary>The most frames one read takes: half the ring, so the audio thread can write a block or more while a reader copies.</summary>
    public const int MaxReadFrames = Capacity / 2;

    private readonly float[] _ring = new float[Capacity];
    private long _written;

    /// <summary>Frames written since the tap was attached. Any thread.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Appends the first <paramref name="frames"/> frames of <paramref name="output"/> (planar channels), averaged. Audio thread only.</summary>
    internal void Write(float[][] output, int frames)
    {
        long written = _written;
        int channels = output.Length;
        if (channels == 0)
        {
            return;
        }

        float scale = 1f / channels;
        for (int i = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++)
            {
                sum += output[c][i];
            }

            _ring[(written + i) & (Capacity - 1)] = sum * scale;
        }

        // Release: the frames are in the ring before a reader sees the new count.
        Volatile.Write(ref _written, written + frames);
    }

    /// <summary>Appends <paramref name="frames"/> frames of the arena channels at <paramref name="offsets"/>, averaged. The one thread writing this tap.</summary>
    internal unsafe void Write(float* arena, ReadOnlySpan<int> offsets, int frames)
    {
        long written = _written;
        if (offsets.Length == 0)
        {
            return;
        }

        float scale = 1f / offsets.Length;
        for (int i = 0; i < frames; i++)
        {
            float sum = 0;
            foreach (int offset in offsets)
            {
                sum += arena[offset + i];
            }

            _ring[(written + i) & (Capacity - 1)] = sum * scale;
        }

        // Release: the frames are in the ring before a reader sees the new count.
        Volatile.Write(ref _written, written + frames);
    }

    /// <summary>
    /// Copies the latest frames, oldest first, into <paramref name="destination"/> (at most <see cref="MaxReadFrames"/>);
    /// returns how many (fewer when fewer were written, 0 when the audio thread kept overwriting them), and in
    /// <paramref name="end"/> the count written when the last copied frame was. Any thread; never blocks the writer.
    /// </summary>
    public int CopyLatest(Span<float> destination, out long end)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            end = Volatile.Read(ref _written);
            int frames = (int)Math.Min(Math.Min(destination.Length, MaxReadFrames), end);
            long start = end - frames;
            for (int i = 0; i < frames; i++)
            {
                destination[i] = _ring[(start + i) & (Capacity - 1)];
            }

            // Acquire: if the writer has not yet come round to the first frame copied, every frame is intact.
            if (Volatile.Read(ref _written) - start <= Capacity)
            {
                return frames;
            }
        }

        end = Volatile.Read(ref _written);
        return 0;
    }
}
