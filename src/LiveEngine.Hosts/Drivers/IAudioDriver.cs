namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// What every real-time driver (JACK, PortAudio, null) offers its host: the stream's format, its measurements, and
/// whether the server behind it went away. Disposing stops the callbacks: afterwards the renderer is free for
/// another driver (only one may drive a renderer at a time).
/// </summary>
public interface IAudioDriver : IDisposable
{
    /// <summary>What plays, in words: "jack (server liveengine-test)", "null", "portaudio (JACK: system)".</summary>
    string Name { get; }

    int SampleRate { get; }

    /// <summary>Frames per callback (it may change while playing, with JACK).</summary>
    int BufferFrames { get; }

    BlockTimeStats Stats { get; }

    /// <summary>True once the audio server stopped or dropped the client: the callbacks no longer come.</summary>
    bool IsShutDown { get; }
}
