namespace LiveEngine.Tests.Cli;

/// <summary>
/// A REPL test's own folder, with the socket its engine process listens on. Disposing it stops an engine process
/// that outlived a REPL which did not <c>:quit</c> (a failed test), then deletes the folder.
/// </summary>
public abstract class ReplFolder(string prefix) : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    protected string EngineSocket => Path.Combine(Dir, "engine.sock");

    public void Dispose()
    {
        using (var kill = System.Diagnostics.Process.Start("pkill", ["-f", EngineSocket]))
        {
            kill.WaitForExit();
        }

        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
