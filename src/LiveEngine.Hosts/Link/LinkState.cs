using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// Link's session state read at one host time for one quantum (the shim's <c>le_link_state</c>): the session tempo,
/// the beat and the phase (beat modulo the quantum) at that time, and start/stop.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct LinkState
{
    public readonly double Tempo;
    public readonly double Beat;
    public readonly double Phase;
    private readonly int _isPlaying;
    private readonly int _reserved;
    public readonly long TimeForIsPlayingMicros;

    public bool IsPlaying => _isPlaying != 0;
}
