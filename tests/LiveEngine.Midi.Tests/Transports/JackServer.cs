using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveEngine.Hosts.Jack;

namespace LiveEngine.Tests.Midi.Transports;

/// <summary>
/// A real JACK server for a test: <c>jackd --no-realtime -n liveengine-midi-test -d dummy -r 48000 -p 128</c>
/// (the pattern of LiveEngine.Hosts.Tests' JackServer, with its own name so that the two test projects can run
/// side by side). Started on construction, stopped with SIGTERM on dispose: a server killed outright leaves its entry
/// in JACK's shared-memory registry.
/// </summary>
internal sealed partial class JackServer : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;

    public JackServer()
    {
        Name = "liveengine-midi-test";
        string jackd = new[] { "/usr/bin/jackd", "/usr/local/bin/jackd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("jackd is not installed: `apt-get install jackd2` (.ci/run does this).");
        var start = new ProcessStartInfo(jackd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--no-realtime", "-n", Name, "-d", "dummy", "-r", "48000", "-p", "128" })
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            kill(_process.Id, SigTerm);
            if (!_process.WaitForExit(5_000))
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }

        _process.Dispose();
    }
}
