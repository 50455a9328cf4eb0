using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>Without <c>XDG_RUNTIME_DIR</c>, the default engine socket lies in a folder only its user may enter.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EngineSocketPathTests : IDisposable
{
    private const UnixFileMode UserOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _parent = Directory.CreateTempSubdirectory("liveengine-socket-test-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public void TheDefaultSocket_WithoutARuntimeFolder_IsInAFolderOnlyTheUserMayEnter()
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", null);
            string socket = EngineSocketPath.Default();
            string folder = Path.GetDirectoryName(socket)!;
            Assert.Equal(Path.Combine(Path.GetTempPath(), $"liveengine-{EngineSocketPath.GetEffectiveUserId()}", "engine.sock"), socket);
            Assert.Equal(UserOnly, File.GetUnixFileMode(folder));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
        }
    }

    [Fact]
    public void TheDefaultSocket_WithARuntimeFolder_IsInIt()
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", _parent);
            Assert.Equal(Path.Combine(_parent, "liveengine-engine.sock"), EngineSocketPath.Default());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
        }
    }

    [Fact]
    public void APrivateFolder_IsCreatedWithNoAccessForGroupOrOthers()
    {
        string folder = EngineSocketPath.PrivateFolder(_parent);
        Assert.Equal(Path.Combine(_parent, $"liveengine-{EngineSocketPath.GetEffectiveUserId()}"), folder);
        Assert.Equal(UserOnly, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void AnExistingPrivateFolder_ThatOthersMayEnter_IsClosedAgain()
    {
        string folder = Path.Combine(_parent, $"liveengine-{EngineSocketPath.GetEffectiveUserId()}");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UserOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.Equal(folder, EngineSocketPath.PrivateFolder(_parent));
        Assert.Equal(UserOnly, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void APrivateFolder_OwnedBySomeoneElse_IsRefused()
    {
        // The folder for another user id exists and is ours: for that user, it is someone else's.
        uint other = EngineSocketPath.GetEffectiveUserId() + 1;
        string folder = Path.Combine(_parent, $"liveengine-{other}");
        Directory.CreateDirectory(folder);
        UnauthorizedAccessException refused = Assert.Throws<UnauthorizedAccessException>(() => EngineSocketPath.PrivateFolder(_parent, other));
        Assert.Contains("not to you", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APrivateFolder_ThatIsALink_IsRefused()
    {
        string elsewhere = Directory.CreateDirectory(Path.Combine(_parent, "elsewhere")).FullName;
        string folder = Path.Combine(_parent, $"liveengine-{EngineSocketPath.GetEffectiveUserId()}");
        Directory.CreateSymbolicLink(folder, elsewhere);
        UnauthorizedAccessException refused = Assert.Throws<UnauthorizedAccessException>(() => EngineSocketPath.PrivateFolder(_parent));
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
    }
}
