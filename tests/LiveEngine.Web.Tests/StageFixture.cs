using System.Net;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Frontend.Languages;
using LiveEngine.Frontend.Rpc;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Scheduling;
using LiveEngine.Web;
using Microsoft.Playwright;

namespace LiveEngine.Tests.Web;

/// <summary>
/// One real performance for every browser test: Lua, a parallel executor with two workers playing through the
/// real-time null driver, a session log, the editor socket and the stage view; and Debian's chromium, driven by
/// Playwright, with a fresh profile. Nothing is faked: the page shows what the engine renders.
/// </summary>
public sealed class StageFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Chromium's flags: headless, no sandbox (CI runs as root), nothing that reaches the network on its own.</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("le-stage-").FullName;
    private IPlaywright? _playwright;

    public ParallelExecutor Executor { get; } = new(new ParallelExecutorOptions { Threads = 2 });

    public Performance Performance { get; private set; } = null!;

    public EditorServer Editor { get; private set; } = null!;

    public StageServer Stage { get; private set; } = null!;

    public IBrowserContext Browser { get; private set; } = null!;

    public string SessionLogPath => Path.Combine(_dir, "session.jsonl");

    /// <summary>Where the screenshots go: $LIVEENGINE_SCREENSHOTS (docs/ui.md's come from there), else next to the tests.</summary>
    public static string ScreenshotFolder =>
        Environment.GetEnvironmentVariable("LIVEENGINE_SCREENSHOTS") is { Length: > 0 } folder ? folder : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"The browser tests drive Debian's chromium, and {Chromium} is missing: apt-get install chromium (.ci/run does).");
        var options = new PerformanceOptions
        {
            Session = new LiveSessionOptions { MaxBlockFrames = 1024 },
            BlockFrames = 256,
            LogPath = SessionLogPath,
        };
        Performance = new Performance(BuiltinNodeTypes.CreateRegistry(), options, Executor);
        Performance.AddLanguage(session => new LuaLanguage(session, Performance.Registry));
        LiveSession local = Performance.Local!;
        local.Renderer.WarmUp();
        NullDriver paced = NullDriver.Start(local.Renderer, options.Session.SampleRate, 256);
        Performance.Play(new DriverHandle("null", paced.Stats, 256, static () => false, paced));
        Editor = new EditorServer(Performance, new EditorServerOptions { Port = 0 });
        Editor.Start();
        Stage = new StageServer(Performance, new StageServerOptions { Port = 0, FramesPerSecond = 60 });
        Stage.Start();

        // Playwright's own driver (node, shipped in the package) drives the system chromium: it never downloads a browser.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(_dir, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
    }

    /// <summary>Evaluates Lua over the editor socket, as an editor does; fails the test on an error.</summary>
    /// <summary>
    /// Evaluates Lua over the editor socket, as an editor does, and returns the sample its commit lands on (as the
    /// performance saw it); fails the test on an error. With <paramref name="untilPlaying"/>, returns once it plays.
    /// </summary>
    public async Task<long> EvalOverSocketAsync(string code, Time.Quantization quantize, bool untilPlaying = true)
    {
        long commitSample = -1;
        void Seen(Evaluation e) => commitSample = e.CommitSample ?? -1;
        Performance.Languages.Evaluated += Seen;
        try
        {
            using EditorSocketService editor = EditorSocketService.TryAttach(new IPEndPoint(IPAddress.Loopback, Editor.Port), null, TimeSpan.FromSeconds(10))
                ?? throw new InvalidOperationException("the editor socket did not answer");
            Evaluation result = await editor.EvaluateAsync("lua", code, "stage test", quantize);
            Assert.True(result.Ok, result.Error);
        }
        finally
        {
            Performance.Languages.Evaluated -= Seen;
        }

        Assert.True(commitSample >= 0, "the evaluation committed nothing");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (untilPlaying && Performance.Session.Position < commitSample && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10);
        }

        return commitSample;
    }

    /// <summary>A page on the stage view, live (its WebSocket has brought a frame).</summary>
    public async Task<IPage> OpenPageAsync()
    {
        IPage page = await Browser.NewPageAsync();
        await page.GotoAsync(Stage.Url);
        await page.WaitForFunctionAsync("() => +document.body.dataset.frames > 2", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string section, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.Locator(section).ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name) });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Stage is not null)
        {
            await Stage.DisposeAsync();
        }

        if (Editor is not null)
        {
            await Editor.DisposeAsync();
        }

        Performance?.Dispose();
        Executor.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StageCollection : ICollectionFixture<StageFixture>
{
    public const string Name = "stage view in chromium";
}
