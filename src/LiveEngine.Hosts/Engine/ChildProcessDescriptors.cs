using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Keeps this process's descriptors out of the processes it starts. .NET opens its own files, sockets and pipes
/// close-on-exec, but native libraries do not always: libjack (through RtMidi's JACK MIDI client) opens its
/// server sockets without <c>O_CLOEXEC</c>. An engine process that inherited them kept the REPL's JACK client
/// half-alive after the REPL died: jackd timed out on it, <c>jack_lsp</c> hung, and the next REPL came up slowly
/// under another port name. Call <see cref="MarkAllCloseOnExec"/> on the thread that starts the child, just before
/// <see cref="System.Diagnostics.Process.Start()"/>: the child then gets 0–2 and what .NET hands it on purpose
/// (redirected standard streams, which it dup2s onto 0–2), nothing else.
/// </summary>
/// <remarks>
/// The residual race: a descriptor that another thread's native code opens without <c>O_CLOEXEC</c> between this
/// call and the fork is still inherited. Nothing in the front opens native descriptors at that moment (MIDI and
/// drivers open at start-up, long before an engine restarts); closing the race fully would need a spawn that
/// closes every descriptor in the child, which <see cref="System.Diagnostics.Process"/> does not offer.
/// Linux only (close_range, else /proc/self/fd); elsewhere it does nothing.
/// </remarks>
public static partial class ChildProcessDescriptors
{
    private const uint CloseRangeCloseOnExec = 1 << 2;
    private const int FGetFd = 1;
    private const int FSetFd = 2;
    private const int FdCloseOnExec = 1;

    /// <summary>Marks every descriptor above 2 close-on-exec; returns how many it had to change (-1: all at once, by close_range).</summary>
    public static int MarkAllCloseOnExec()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            // One system call for every descriptor from 3 up (Linux 5.11, glibc 2.34).
            if (CloseRange(3, uint.MaxValue, CloseRangeCloseOnExec) == 0)
            {
                return -1;
            }
        }
        catch (EntryPointNotFoundException)
        {
            // An older C library: one descriptor at a time below.
        }

        int changed = 0;
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int fd) && fd > 2)
            {
                int flags = Fcntl(fd, FGetFd, 0);
                if (flags >= 0 && (flags & FdCloseOnExec) == 0 && Fcntl(fd, FSetFd, flags | FdCloseOnExec) == 0)
                {
                    changed++;
                }
            }
        }

        return changed;
    }

    [LibraryImport("libc", EntryPoint = "close_range", SetLastError = true)]
    private static partial int CloseRange(uint first, uint last, uint flags);

    // fcntl is variadic; an int third argument travels like a fixed one on the Linux ABIs (x86-64, AArch64).
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
