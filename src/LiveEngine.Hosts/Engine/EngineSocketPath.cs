using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Where the engine listens unless told otherwise: one engine per user. In <c>$XDG_RUNTIME_DIR</c> when there is
/// one (a 0700 folder the session manager made for this user); else in <c>liveengine-UID</c>, a folder of the
/// system temp folder that this user owns and that nobody else may enter (0700). The temp folder itself is shared
/// by every user of the machine: a socket there could be another user's engine, or a trap.
/// </summary>
public static partial class EngineSocketPath
{
    /// <summary>The socket's file name in <c>$XDG_RUNTIME_DIR</c>.</summary>
    public const string RuntimeFileName = "liveengine-engine.sock";

    /// <summary>The socket's file name in the per-user folder of the temp folder.</summary>
    public const string FileName = "engine.sock";

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;
    private const int SIfMt = 0xF000;
    private const int SIfDir = 0x4000;

    /// <summary>The default socket path; creates and checks the per-user folder when it is needed. Throws <see cref="UnauthorizedAccessException"/> if that folder is not safe.</summary>
    public static string Default()
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Directory.Exists(runtime))
        {
            return Path.Combine(runtime, RuntimeFileName);
        }

        return Path.Combine(PrivateFolder(Path.GetTempPath()), FileName);
    }

    /// <summary>
    /// <paramref name="parent"/>/liveengine-UID, created with mode 0700 if missing. An existing one must be a real
    /// folder (not a link) owned by this user; group and other access is taken away. Throws
    /// <see cref="UnauthorizedAccessException"/> with what is wrong otherwise.
    /// </summary>
    public static string PrivateFolder(string parent) => PrivateFolder(parent, GetEffectiveUserId());

    /// <summary><see cref="PrivateFolder(string)"/> for the user <paramref name="uid"/> (tests: a folder someone else owns).</summary>
    internal static string PrivateFolder(string parent, uint uid)
    {
        ArgumentException.ThrowIfNullOrEmpty(parent);
        if (OperatingSystem.IsWindows())
        {
            // The temp folder is the user's own there.
            return parent;
        }

        string folder = Path.Combine(parent, $"liveengine-{uid}");

        // Created with its final mode in one call (mkdir with 0700, less the umask): never briefly open to others.
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (new FileInfo(folder).LinkTarget is not null)
        {
            throw new UnauthorizedAccessException($"{folder} is a symbolic link, not the private folder liveengine makes for the engine's socket: someone else may have made it. Remove it, or set [engine] socket in repl.config.");
        }

        if (OperatingSystem.IsLinux())
        {
            (uint owner, int mode) = OwnerAndMode(folder);
            if ((mode & SIfMt) != SIfDir || owner != uid)
            {
                throw new UnauthorizedAccessException($"{folder} belongs to user {owner}, not to you (user {uid}): another user made it, and a socket in it could be theirs. Remove it, or set [engine] socket in repl.config.");
            }
        }

        const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((File.GetUnixFileMode(folder) & GroupOrOther) != 0)
        {
            // Ours (checked above), but opened up: close it again.
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return folder;
    }

    private static unsafe (uint Owner, int Mode) OwnerAndMode(string path)
    {
        // statx, not stat: its buffer has one layout on every Linux architecture (struct stat differs).
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMode | StatxUid, buffer) != 0)
        {
            throw new UnauthorizedAccessException($"Cannot check who owns {path} (errno {Marshal.GetLastPInvokeError()}).");
        }

        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid (offset 20), u32 gid, u16 mode (offset 28).
        return (*(uint*)(buffer + 20), *(ushort*)(buffer + 28));
    }

    internal static uint GetEffectiveUserId() => OperatingSystem.IsWindows() ? 0 : Geteuid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
