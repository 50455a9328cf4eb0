using System.Runtime.InteropServices;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>
/// An engine process inherits none of the front's descriptors: a socket and a file that native code opened without
/// close-on-exec (as libjack does for its server connection) stay in the front.
/// </summary>
public sealed partial class ChildProcessDescriptorsTests
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int OWriteOnly = 1;
    private const int OCreate = 0x40;

    [Fact]
    public void AnEngineProcess_InheritsNoNativeSocketOrFile_OfTheProcessThatStartsIt()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"liveengine-fd-marker-{Guid.NewGuid():N}");
        int socketFd = Socket(AfUnix, SockStream, 0);
        int fileFd = Open(marker, OWriteOnly | OCreate, 0x180);
        Assert.True(socketFd > 2 && fileFd > 2, $"native socket {socketFd}, file {fileFd} (errno {Marshal.GetLastPInvokeError()})");
        string socketTarget = new FileInfo($"/proc/self/fd/{socketFd}").LinkTarget!;
        Assert.StartsWith("socket:[", socketTarget, StringComparison.Ordinal);

        string path = EngineProcess.NewSocketPath();
        System.Diagnostics.Process? process = null;
        try
        {
            using EngineClient client = EngineProcess.Launch(path);
            process = client.Process;
            var inherited = new List<string>();
            foreach (string entry in Directory.GetFileSystemEntries($"/proc/{client.Info.ProcessId}/fd"))
            {
                try
                {
                    inherited.Add($"{Path.GetFileName(entry)} -> {new FileInfo(entry).LinkTarget}");
                }
                catch (IOException)
                {
                    // Closed while we looked.
                }
            }

            Assert.DoesNotContain(inherited, e => e.EndsWith(" -> " + socketTarget, StringComparison.Ordinal));
            Assert.DoesNotContain(inherited, e => e.EndsWith(" -> " + marker, StringComparison.Ordinal));
            client.Shutdown();
        }
        finally
        {
            EngineProcess.Stop(process);
            _ = Close(socketFd);
            _ = Close(fileFd);
            File.Delete(marker);
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
