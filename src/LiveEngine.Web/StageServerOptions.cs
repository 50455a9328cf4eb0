using System.Net;

namespace LiveEngine.Web;

/// <summary>Where the stage view listens and how often it updates (repl.config <c>[ui]</c>, docs/ui.md).</summary>
public sealed record StageServerOptions
{
    /// <summary>The address to bind; loopback by default. Any other address requires <see cref="Token"/>.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 for any free one (<see cref="StageServer.Port"/> says which).</summary>
    public int Port { get; init; }

    /// <summary>When set, every request must carry <c>?token=…</c> (the page passes it on to its WebSocket).</summary>
    public string? Token { get; init; }

    /// <summary>Updates per second sent to each browser: 30..60.</summary>
    public int FramesPerSecond { get; init; } = 30;
}
