using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveEngine.Hosts.Jack;

namespace LiveEngine.Tests.Hosts.Jack;

/// <summary>
/// A real JACK server for a test: <c>jackd --no-realtime -n NAME -d dummy -r 48000 -p 128</c>, whose dummy backend
/// paces in real time without a sound card. Started on construction, stopped on dispose. `.ci/run` installs
/// jackd2; without it the test fails and says so. A fixed server name per test project (also linked into LiveEngine.Midi.Tests, which names its own), and a graceful stop (SIGTERM): JACK's
/// shared-memory registry holds only a few servers, and a server killed outright leaves its entry behind.
/// </summary>
internal sealed partial class JackServer : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;

    /// <param name="name">The server's name: each test project that starts servers in parallel with another uses its own.</param>
    /// <param name="sampleRate">Frames per second.</param>
    /// <param name="period">Frames per period.</param>
    public JackServer(string name = "liveengine-test", int sampleRate = 48_000, int period = 128)
    {
        Name = name;
        string jackd = new[] { "/usr/bin/jackd", "/usr/local/bin/jackd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("jackd is not installed: `apt-get install jackd2` (.ci/run does this).");
        var start = new ProcessStartInfo(jackd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--no-realtime", "-n", Name, "-d", "dummy", "-r", sampleRate.ToString(), "-p", period.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["JACK_NO_AUDIO_RESERVATION"] = "1";
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!JackDriver.IsServerRunning(Name))
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Dispose();
                throw new InvalidOperationException($"jackd '{Name}' did not come up within 10 s.");
            }

            Thread.Sleep(50);
        }
    }

    public string Name { get; }

    /// <summary>Stops the server, as if it were stopped mid-performance.</summary>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }

        kill(_process.Id, SigTerm);
        if (!_process.WaitForExit(5_000))
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
