namespace LiveEngine.Midi.Transports.RtMidi;

/// <summary>An RtMidi call failed (no JACK server, no such port...); the message is RtMidi's own.</summary>
public sealed class RtMidiException(string message) : Exception(message);
