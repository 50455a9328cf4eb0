using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Link;

/// <summary>
/// Whether Ableton Link can run here: the shim (<see cref="LinkNative.Library"/>) was built next to the assemblies
/// (the build compiles it only where Debian's ableton-link-dev is installed) and it loads. Otherwise the reason, in
/// the words the performer sees; everything else in LiveEngine works without it.
/// </summary>
public static class LinkAvailability
{
    /// <summary>The headers the build looks for (LiveEngine.Hosts.csproj, target BuildLinkShim).</summary>
    public const string Header = "/usr/include/ableton/Link.hpp";

    /// <summary>The shim's file name, next to the assemblies.</summary>
    public const string LibraryName = LinkNative.Library;

    private static readonly Lazy<string?> s_reason = new(() => Probe(Path.GetDirectoryName(typeof(LinkAvailability).Assembly.Location) ?? AppContext.BaseDirectory));

    /// <summary>True when Link can be used in this process.</summary>
    public static bool IsAvailable => s_reason.Value is null;

    /// <summary>Why Link is off (null when it is available).</summary>
    public static string? Reason => s_reason.Value;

    /// <summary>Null when the shim in <paramref name="directory"/> loads; otherwise why Link is off.</summary>
    public static string? Probe(string directory)
    {
        string path = Path.Combine(directory, LinkNative.Library);
        if (!File.Exists(path))
        {
            return File.Exists(Header)
                ? $"Ableton Link is off: {LinkNative.Library} is not in {directory}; Link's headers are installed now, so rebuild LiveEngine (dotnet build) to compile it (docs/link.md)."
                : $"Ableton Link is off: LiveEngine was built without it ({LinkNative.Library} is not in {directory}). Install Debian's ableton-link-dev and g++ (apt-get install ableton-link-dev g++), then rebuild LiveEngine (docs/link.md).";
        }

        if (!NativeLibrary.TryLoad(path, out nint handle))
        {
            return $"Ableton Link is off: {path} does not load (is it built for this machine? rebuild LiveEngine; docs/link.md).";
        }

        bool complete = NativeLibrary.TryGetExport(handle, "le_link_create", out _) && NativeLibrary.TryGetExport(handle, "le_link_capture", out _);
        return complete ? null : $"Ableton Link is off: {path} lacks the le_link_* functions; rebuild LiveEngine (docs/link.md).";
    }
}
