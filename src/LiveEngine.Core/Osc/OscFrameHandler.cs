namespace LiveEngine.Osc;

/// <summary>Receives one decoded frame; the span is valid only during the call.</summary>
public delegate void OscFrameHandler(ReadOnlySpan<byte> frame);
