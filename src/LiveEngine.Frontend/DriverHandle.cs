using LiveEngine.Hosts.Drivers;

namespace LiveEngine.Frontend;

/// <summary>An audio driver the performance plays through, as the front end sees it.</summary>
public sealed record DriverHandle(string Name, BlockTimeStats Stats, int BufferFrames, Func<bool> IsShutDown, IDisposable Driver);
