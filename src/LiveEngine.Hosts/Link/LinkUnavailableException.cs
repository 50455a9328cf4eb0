namespace LiveEngine.Hosts.Link;

/// <summary>Link was asked for where it cannot run; the message says why (<see cref="LinkAvailability.Reason"/>).</summary>
public sealed class LinkUnavailableException(string message) : Exception(message);
