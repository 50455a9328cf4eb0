using LiveEngine.Graph;
using LiveEngine.Live;

namespace LiveEngine.Frontend;

/// <summary>How a performance is set up.</summary>
public sealed record PerformanceOptions
{
    /// <summary>Stream format, tempo and seed of the session.</summary>
    public LiveSessionOptions Session { get; init; } = new();

    /// <summary>Frames per block for offline rendering (a driver brings its own).</summary>
    public int BlockFrames { get; init; } = 128;

    /// <summary>The graph at the start; null for silence (a graph with just its <c>out</c> node).</summary>
    public GraphDescription? InitialGraph { get; init; }

    /// <summary>Folders code may load samples from (Lua <c>sample(name, file)</c>); none by default.</summary>
    public IReadOnlyList<string> SampleFolders { get; init; } = [];

    /// <summary>Controllers per MIDI bank.</summary>
    public int MidiBankSize { get; init; } = 32;

    /// <summary>The session log to append to; null for none.</summary>
    public string? LogPath { get; init; }
}
