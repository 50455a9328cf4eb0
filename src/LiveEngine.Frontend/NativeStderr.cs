using System.Runtime.InteropServices;

namespace LiveEngine.Frontend;

/// <summary>
/// Points the process's file descriptor 2 at a file, so that whatever native libraries (JACK, ALSA, PortAudio,
/// RtMidi) print to stderr lands there instead of over the line the performer is typing.
/// </summary>
public static partial class NativeStderr
{
    private const int StderrFd = 2;

    /// <summary>Redirects fd 2 to <paramref name="path"/> (appending). False (and nothing changed) where that is not possible.</summary>
    public static bool RedirectTo(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        int fd = open(path, 0x0001 | 0x0040 | 0x0400 /* O_WRONLY | O_CREAT | O_APPEND (Linux) */, 420 /* 0644 */);
        if (fd < 0)
        {
            return false;
        }

        bool ok = dup2(fd, StderrFd) >= 0;
        close(fd);
        return ok;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int oldfd, int newfd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
