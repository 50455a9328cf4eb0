namespace LiveEngine.Dsp.Nodes;

/// <summary>
/// An immutable in-memory sample: one array of frames per channel, all of one length, and the rate it was
/// recorded at. Created by <see cref="SampleLibrary.Add"/>, which copies the caller's arrays.
/// </summary>
public sealed class SampleData
{
    internal SampleData(string name, float[][] channels, int sampleRate)
    {
        Name = name;
        ChannelData = channels;
        SampleRate = sampleRate;
    }

    public string Name { get; }

    /// <summary>The frames of each channel. Read-only by contract: players read them on the audio thread.</summary>
    public IReadOnlyList<float[]> Channels => ChannelData;

    public int SampleRate { get; }

    public int Frames => ChannelData[0].Length;

    /// <summary>The arrays themselves, for players in this assembly (no interface calls per frame).</summary>
    internal float[][] ChannelData { get; }
}
