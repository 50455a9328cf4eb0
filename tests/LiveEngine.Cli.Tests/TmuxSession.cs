using System.Diagnostics;

namespace LiveEngine.Tests.Cli;

/// <summary>
/// A real terminal for the REPL: a detached tmux session running <c>liveengine</c>, driven with send-keys and
/// read with capture-pane. `.ci/run` installs tmux.
/// </summary>
internal sealed class TmuxSession : IDisposable
{
    private readonly string _name = "le-test-" + Guid.NewGuid().ToString("N")[..8];

    public TmuxSession(string workingDirectory, params string[] liveengineArgs)
        : this(workingDirectory, new Dictionary<string, string>(), liveengineArgs)
    {
    }

    /// <param name="workingDirectory">Where liveengine runs.</param>
    /// <param name="environment">Variables set for liveengine (e.g. HOME).</param>
    /// <param name="liveengineArgs">Its arguments.</param>
    public TmuxSession(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] liveengineArgs)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "liveengine.dll");
        Assert.True(File.Exists(dll), $"liveengine.dll not found next to the tests at {dll}");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        string variables = string.Concat(environment.Select(v => $"{v.Key}={Quote(v.Value)} "));
        string command = $"{variables}{Quote(dotnet)} {Quote(dll)} {string.Join(' ', liveengineArgs.Select(Quote))}; echo LIVEENGINE-EXITED $?; sleep 600";
        Run("new-session", "-d", "-s", _name, "-x", "160", "-y", "50", "-c", workingDirectory, command);
    }

    /// <summary>Types <paramref name="text"/> literally (no key-name lookup), then Enter if asked.</summary>
    public void Type(string text, bool enter = true)
    {
        Run("send-keys", "-t", _name, "-l", text);
        if (enter)
        {
            Thread.Sleep(300); // typed by hand: ReplTests sends text and Enter in one burst where that matters
            Key("Enter");
        }
    }

    /// <summary>
    /// Sends everything in ONE send-keys call, as vim-slime, an editor's terminal or a paste deliver it: tmux names
    /// (Enter, C-c) become keys, any other argument is typed literally.
    /// </summary>
    public void Burst(params string[] keys) => Run(["send-keys", "-t", _name, .. keys]);

    /// <summary>Presses a key by tmux name: Enter, Tab, C-p, BSpace.</summary>
    public void Key(string key) => Run("send-keys", "-t", _name, key);

    public string Screen() => Run("capture-pane", "-p", "-J", "-S", "-200", "-t", _name);

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; fails with the screen otherwise.</summary>
    public string WaitFor(Func<string, bool> condition, string what, double seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        string screen = "";
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            screen = Screen();
            if (condition(screen))
            {
                return screen;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"Waited {seconds} s for {what}; the screen:\n{screen}");
        return screen;
    }

    public string WaitFor(string text, double seconds = 30) => WaitFor(s => s.Contains(text, StringComparison.Ordinal), $"'{text}'", seconds);

    public static bool Available => File.Exists("/usr/bin/tmux") || File.Exists("/usr/local/bin/tmux");

    public void Dispose() => Run("kill-session", "-t", _name);

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Run(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
