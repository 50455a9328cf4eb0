using System.Diagnostics;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>Starts a real engine process for a test: this test assembly run through its own Main (Program.cs).</summary>
internal static class EngineProcess
{
    public static string NewSocketPath() => Path.Combine(Path.GetTempPath(), $"liveengine-test-{Guid.NewGuid():N}.sock");

    public static ProcessStartInfo StartInfo(string socketPath, params string[] options)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(typeof(EngineProcess).Assembly.Location);
        start.ArgumentList.Add("engine");
        start.ArgumentList.Add("--socket");
        start.ArgumentList.Add(socketPath);
        foreach (string option in options)
        {
            start.ArgumentList.Add(option);
        }

        // The runtime settings liveengine ships with (LiveEngine.Cli.csproj: workstation, non-concurrent) and starts
        // its engine with (EngineClient.EngineEnvironment), so that the measurements match the real process.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_gcConcurrent"] = "0";
        EngineClient.ApplyEngineEnvironment(start);
        return start;
    }

    public static EngineClient Launch(string socketPath, params string[] options) =>
        EngineClient.Launch(StartInfo(socketPath, options), socketPath, "test front");

    /// <summary>Stops the engine if a test failed before it could ask it to.</summary>
    public static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit(5_000);
        }
    }
}
