namespace LiveEngine.Midi.Ump;

/// <summary>Receives decoded messages from a parser or translator. Implement it on a struct to keep the call free of allocation.</summary>
public interface IUmpSink
{
    void OnMessage(in UmpMessage message);
}
