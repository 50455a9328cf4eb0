using System.Diagnostics;

namespace LiveEngine.Tests.Cli;

/// <summary>Runs the real <c>liveengine</c> executable (built next to the tests) in a child process.</summary>
internal static class LiveEngineProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(IReadOnlyDictionary<string, string>? environment, params string[] args) => RunProgram("liveengine", environment, args);

    /// <summary>Runs another program of the solution built next to the tests, such as <c>liveengine-render</c>.</summary>
    public static Result RunProgram(string program, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, program + ".dll");
        Assert.True(File.Exists(dll), $"{program}.dll not found next to the tests at {dll}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within 3 minutes");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
