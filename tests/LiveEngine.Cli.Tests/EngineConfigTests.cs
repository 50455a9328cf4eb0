using LiveEngine.Cli;

namespace LiveEngine.Tests.Cli;

public sealed class EngineConfigTests
{
    [Fact]
    public void RepositoryReplConfig_ParsesToTheDocumentedDefaults()
    {
        EngineConfig config = EngineConfig.Load(Path.Combine(RenderCommandTests.RepositoryRoot(), "repl.config"));
        Assert.Equal(new EngineConfig { Source = config.Source }, config);
    }

    [Fact]
    public void Values_CommentsAndOtherTables_AreRead()
    {
        EngineConfig config = EngineConfig.Parse(
            ["# comment", "[driver]", "name = \"jack\"", "host_api = \"JACK\"", "[midi]", "network_port = 5673", "", "[engine]", "sample_rate = 96_000  # trailing", "threads = 4", "policy = \"wavefront\""],
            "test.config");
        Assert.Equal("jack", config.Driver);
        Assert.Equal("JACK", config.HostApi);
        Assert.Null(config.Device);
        Assert.Equal(96_000, config.SampleRate);
        Assert.Equal(4, config.Threads);
        Assert.Equal("wavefront", config.Policy);
        Assert.Equal(64, config.BlockFrames);
        Assert.Equal(5673, config.MidiNetworkPort);
    }

    [Fact]
    public void OscTable_IsRead_WithLoopbackAndOffByDefault()
    {
        EngineConfig defaults = EngineConfig.Parse([], "test.config");
        Assert.Equal(0, defaults.OscPort);
        Assert.Equal("127.0.0.1", defaults.OscBind);
        Assert.False(defaults.OscAllowRemote);
        EngineConfig config = EngineConfig.Parse(["[osc]", "port = 7772", "bind = \"0.0.0.0\"", "allow_remote = true", "tcp = false", "latency_ms = 50"], "test.config");
        Assert.Equal(7772, config.OscPort);
        Assert.Equal("0.0.0.0", config.OscBind);
        Assert.True(config.OscAllowRemote);
        Assert.False(config.OscTcp);
        Assert.Equal(50, config.OscLatencyMs);
        Assert.False(defaults.DirtEnabled);
        Assert.Equal(57120, defaults.DirtPort);
        Assert.True(defaults.DirtFollowCps);
        Assert.Equal(4, defaults.DirtBeatsPerCycle);
        EngineConfig dirt = EngineConfig.Parse(["[dirt]", "enabled = true", "port = 57121", "follow_cps = false", "beats_per_cycle = 3"], "test.config");
        Assert.True(dirt.DirtEnabled);
        Assert.Equal(57121, dirt.DirtPort);
        Assert.False(dirt.DirtFollowCps);
        Assert.Equal(3, dirt.DirtBeatsPerCycle);
        Assert.Contains("beats_per_cycle", Assert.Throws<CliException>(() => EngineConfig.Parse(["[dirt]", "beats_per_cycle = 0"], "test.config")).Message);
    }

    [Fact]
    public void EngineGpu_IsOffByDefault_AndReadsItsModes()
    {
        Assert.Equal("off", EngineConfig.Parse([], "test.config").Gpu);
        Assert.Equal("cpu-accelerator", EngineConfig.Parse(["[engine]", "gpu = \"cpu-accelerator\""], "test.config").Gpu);
        Assert.Equal("auto", EngineConfig.Parse(["[engine]", "gpu = \"auto\""], "test.config").Gpu);
    }

    [Fact]
    public void EngineDeferredAdmissionLimit_IsOneByDefault_AndReadWithinItsRange()
    {
        Assert.Equal(1.0, EngineConfig.Parse([], "test.config").DeferredAdmissionLimit);
        Assert.Equal(0.8, EngineConfig.Parse(["[engine]", "deferred_admission_limit = 0.8"], "test.config").DeferredAdmissionLimit);
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", "deferred_admission_limit = 5"], "test.config"));
        Assert.Contains("'deferred_admission_limit' must be", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkTable_IsRead()
    {
        EngineConfig config = EngineConfig.Parse(["[link]", "enabled = true", "quantum = 3", "latency_ms = 5.5", "start_stop_sync = false"], "test.config");
        Assert.True(config.LinkEnabled);
        Assert.Equal(3, config.LinkQuantum);
        Assert.Equal(5.5, config.LinkLatencyMs);
        Assert.False(config.LinkStartStopSync);

        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[link]", "quantum = 0"], "test.config"));
        Assert.Equal("test.config:2: 'quantum' must be 1..64, not 0.", e.Message);
    }

    [Theory]
    [InlineData("sample_rat = 48000", "test.config:2: unknown key 'sample_rat' in [engine]. Known keys: sample_rate, block_frames, threads, policy, seed, tempo, beats_per_bar, process, socket, admission, admission_limit, render_ahead, render_ahead_ms, deferred_block_frames, gpu, deferred_admission_limit, audio_cpus.")]
    [InlineData("threads = two", "test.config:2: 'threads' must be an integer, not two.")]
    [InlineData("policy = steal", "test.config:2: 'policy' must be a string in double quotes, not steal.")]
    [InlineData("tempo = 2000", "test.config:2: 'tempo' must be 1..999, not 2000.")]
    [InlineData("admission = \"maybe\"", "test.config:2: 'admission' must be one of refuse, warn, off, not \"maybe\".")]
    [InlineData("gpu = \"cuda\"", "test.config:2: 'gpu' must be one of off, auto, cpu-accelerator, not \"cuda\".")]
    [InlineData("gpu = true", "test.config:2: 'gpu' must be a string in double quotes, not true.")]
    [InlineData("[sockets]", "test.config:2: unknown table [sockets]. Known tables: engine, driver, socket, repl, log, midi, ui, osc, dirt, link.")]
    [InlineData("threads 2", "test.config:2: not valid TOML: Expected `=` after key but was `2`.")]
    [InlineData("policy = \"steal", "test.config:2: 'policy' must be a string in double quotes, not \"steal (Invalid End-Of-File found on string literal).")]
    [InlineData("policy = \"a\\q\"", "test.config:2: 'policy' must be a string in double quotes, not \"a\\q\" (Unexpected escape character [q] in string. Only b t n f r e \\ \" xHH u0000-uFFFF U00000000-UFFFFFFFF are allowed).")]
    [InlineData("threads = [1, 2]  # two", "test.config:2: 'threads' must be an integer, not [1, 2].")]
    [InlineData("threads = 2.0", "test.config:2: 'threads' must be an integer, not 2.0.")]
    [InlineData("seed = 1979-05-27", "test.config:2: 'seed' must be an integer, not 1979-05-27.")]
    [InlineData("seed = 99_999_999_999", "test.config:2: 'seed' must be -2147483648..2147483647, not 99999999999.")]
    [InlineData("tempo = \"fast\"", "test.config:2: 'tempo' must be a number, not \"fast\".")]
    [InlineData("tempo = nan", "test.config:2: 'tempo' must be 1..999, not NaN.")]
    [InlineData("policy = { name = \"steal\" }", "test.config:2: 'policy' must be a string in double quotes, not { name = \"steal\" }.")]
    [InlineData("\"threads\" = \"2\"", "test.config:2: 'threads' must be an integer, not \"2\".")]
    [InlineData("threads = 2 = 3", "test.config:2: not valid TOML: Expected end-of-line after value but was `=`.")]
    public void Mistakes_AreNamedWithFileAndLine(string line, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", line], "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TomlTheOldSubsetReaderRefused_IsRead()
    {
        EngineConfig config = EngineConfig.Parse(
            [
                "midi = { bank_size = 16, connect = \"kbd:out\" }  # an inline table, before any header",
                "log.level = \"debug\"                              # a dotted key",
                "[engine]",
                "\"policy\" = 'steal'    # a quoted key and a literal string",
                "seed = 0x10",
                "socket = '/tmp/le #1.sock'",
                "[driver]",
                "device = \"USB \\\"Pro\\\"\\tA\"",
                "[repl]",
                "sample_folders = \"\"\"",
                "~/a:\\",
                "    ~/b\"\"\"",
                "history = '''",
                "~/h'''",
                "[socket]",
                "port = 9_000#no space before the comment",
            ],
            "test.config");
        Assert.Equal(16, config.MidiBankSize);
        Assert.Equal("kbd:out", config.MidiConnect);
        Assert.Equal("debug", config.LogLevel);
        Assert.Equal("steal", config.Policy);
        Assert.Equal(16, config.Seed);
        Assert.Equal("/tmp/le #1.sock", config.EngineSocket);
        Assert.Equal("USB \"Pro\"\tA", config.Device);
        Assert.Equal("~/a:~/b", config.SampleFolders);
        Assert.Equal("~/h", config.ReplHistory);
        Assert.Equal(9000, config.SocketPort);
    }

    [Theory]
    [InlineData(new[] { "[engine]", "threads = 2", "[driver", "name = \"jack\"" }, "test.config:3: not valid TOML: Expected `]` but was `\\n`.")]
    [InlineData(new[] { "[repl]", "history = \"\"\"", "~/h" }, "test.config:3: not valid TOML: Invalid End-Of-File found for multi-line string.")]
    [InlineData(new[] { "[engine]", "threads = 2", "[driver]", "name = \"jack\"", "[engine]", "seed = 3" }, "test.config:5: not valid TOML: The key `engine` is already defined at (1,1) with `[engine]\\nthreads = 2` and cannot be redefined.")]
    [InlineData(new[] { "engine.threads = 2", "engine = { seed = 3 }" }, "test.config:2: not valid TOML: The key `engine` is already defined at (1,1) with `engine.threads ` and cannot be redefined.")]
    public void ATomlSyntaxError_IsNamedWithFileAndLine(string[] lines, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(lines, "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData(new[] { "[[engine]]", "threads = 2" }, "test.config:1: a table header is written [name], not [[engine]] (an array of tables).")]
    [InlineData(new[] { "threads = 2", "[engine]" }, "test.config:1: 'threads' comes before any table; put it under [engine], [driver], [socket], [repl], [log], [midi], [ui], [osc], [dirt] or [link].")]
    [InlineData(new[] { "sockets.port = 2" }, "test.config:1: unknown table [sockets]. Known tables: engine, driver, socket, repl, log, midi, ui, osc, dirt, link.")]
    [InlineData(new[] { "[engine]", "threads = 2", "\"threads\" = 3" }, "test.config:3: key 'threads' is set twice in [engine].")]
    [InlineData(new[] { "[engine.scheduler]", "threads = 2" }, "test.config:1: unknown key 'scheduler' in [engine]. Known keys: sample_rate, block_frames, threads, policy, seed, tempo, beats_per_bar, process, socket, admission, admission_limit, render_ahead, render_ahead_ms, deferred_block_frames, gpu, deferred_admission_limit, audio_cpus.")]
    public void TablesAndKeysOutsideTheSchema_AreNamedWithFileAndLine(string[] lines, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(lines, "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("[socket]", "port = 70000", "test.config:3: 'port' must be 0..65535, not 70000.")]
    [InlineData("[socket]", "enabled = yes", "test.config:3: 'enabled' must be true or false, not yes.")]
    [InlineData("[repl]", "mode = \"python\"", "test.config:3: 'mode' must be one of lua, cs, not \"python\".")]
    [InlineData("[repl]", "quantize = \"soon\"", "test.config:3: 'quantize': 'soon' is not a quantisation: use now, beat, bar, N bars (bars:N) or at:BEAT.")]
    [InlineData("[log]", "level = \"loud\"", "test.config:3: 'level' must be one of verbose, debug, information, warning, error, not \"loud\".")]
    public void FrontEndTables_AreCheckedToo(string table, string line, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["[engine]", table, line], "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("[engine]", "threads = 0", "test.config:3: 'threads' must be 1..256, not 0.")]
    [InlineData("[engine]", "threads = -3", "test.config:3: 'threads' must be 1..256, not -3.")]
    [InlineData("[engine]", "threads = 257", "test.config:3: 'threads' must be 1..256, not 257.")]
    [InlineData("[engine]", "block_frames = 0", "test.config:3: 'block_frames' must be 1..4096, not 0.")]
    [InlineData("[engine]", "block_frames = 8192", "test.config:3: 'block_frames' must be 1..4096, not 8192.")]
    [InlineData("[engine]", "sample_rate = 0", "test.config:3: 'sample_rate' must be 22050..192000, not 0.")]
    [InlineData("[engine]", "sample_rate = 1_000_000", "test.config:3: 'sample_rate' must be 22050..192000, not 1000000.")]
    [InlineData("[engine]", "policy = \"fastest\"", "test.config:3: 'policy' must be one of critical-path, steal, wavefront, not \"fastest\".")]
    [InlineData("[driver]", "name = \"alsa\"", "test.config:3: 'name' must be one of auto, jack, portaudio, null, offline, not \"alsa\".")]
    [InlineData("[socket]", "bind = \"localhost\"", "test.config:3: 'bind' must be an IP address (e.g. \"127.0.0.1\" or \"0.0.0.0\"), not \"localhost\".")]
    [InlineData("[midi]", "network_bind = \"\"", "test.config:3: 'network_bind' must be an IP address (e.g. \"127.0.0.1\" or \"0.0.0.0\"), not \"\".")]
    public void OutOfRangeValues_AreRefused_NamingKeyValueLineAndRange(string table, string line, string message)
    {
        var e = Assert.Throws<CliException>(() => EngineConfig.Parse(["# out of range", table, line], "test.config"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("threads = 0", "'threads' must be 1..256, not 0.")]
    [InlineData("block_frames = 0", "'block_frames' must be 1..4096, not 0.")]
    public void TheRepl_WithAnOutOfRangeValue_PrintsItAndExitsNonZero(string line, string message) => AssertTheReplRefusesTheConfig(line, message);

    [Fact]
    public void TheRepl_WithATomlSyntaxError_PrintsFileAndLineAndExitsNonZero() =>
        AssertTheReplRefusesTheConfig("threads 2", "not valid TOML: Expected `=` after key but was `2`.");

    /// <summary>Starts the REPL with a config whose second line is <paramref name="line"/>; it prints <c>FILE:2: message</c>, exits non-zero and starts no engine.</summary>
    private static void AssertTheReplRefusesTheConfig(string line, string message)
    {
        string dir = Directory.CreateTempSubdirectory("le-config-").FullName;
        try
        {
            string config = Path.Combine(dir, "bad.config");
            File.WriteAllLines(config, ["[engine]", line, $"socket = \"{Path.Combine(dir, "engine.sock")}\"", "[log]", $"path = \"{Path.Combine(dir, "liveengine.log")}\""]);
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "--driver", "null", "--no-socket", "--config", config);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains($"{config}:2: {message}", result.Error);
            Assert.False(File.Exists(Path.Combine(dir, "engine.sock")), "no engine process was started");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--mode", "python", "--mode must be lua or cs, not 'python'.")]
    [InlineData("--port", "70000", "--port must be 0..65535, not 70000.")]
    public void TheRepl_WithAnOutOfRangeFlag_PrintsItAndExitsNonZero(string flag, string value, string message)
    {
        string dir = Directory.CreateTempSubdirectory("le-config-").FullName;
        try
        {
            string config = Path.Combine(dir, "test.config");
            File.WriteAllLines(config, ["[engine]", $"socket = \"{Path.Combine(dir, "engine.sock")}\"", "[log]", $"path = \"{Path.Combine(dir, "liveengine.log")}\""]);
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "--driver", "null", "--no-socket", flag, value, "--config", config);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(message, result.Error);
            Assert.False(File.Exists(Path.Combine(dir, "engine.sock")), "no engine process was started");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnEngineProcessThatDoesNotStart_IsReportedOnTheTerminal_WithWhatItSaid()
    {
        string dir = Directory.CreateTempSubdirectory("le-config-").FullName;
        try
        {
            // The engine cannot listen in a folder that does not exist: it exits before the REPL can attach.
            string socket = Path.Combine(dir, "no-such-folder", "engine.sock");
            string config = Path.Combine(dir, "test.config");
            File.WriteAllLines(config, ["[engine]", $"socket = \"{socket}\"", "[log]", $"path = \"{Path.Combine(dir, "liveengine.log")}\""]);
            LiveEngineProcess.Result result = LiveEngineProcess.Run(null, "--driver", "null", "--no-socket", "--config", config);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("The engine process did not start", result.Error);
            Assert.Contains("no-such-folder", result.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FrontEndTables_AreRead()
    {
        EngineConfig config = EngineConfig.Parse(
            ["[engine]", "tempo = 92.5", "[socket]", "bind = \"0.0.0.0\"", "port = 9000", "token = \"abc\"", "[repl]", "mode = \"cs\"", "quantize = \"2 bars\"", "[log]", "level = \"debug\""],
            "test.config");
        Assert.Equal(92.5, config.Tempo);
        Assert.Equal("0.0.0.0", config.SocketBind);
        Assert.Equal(9000, config.SocketPort);
        Assert.Equal("abc", config.SocketToken);
        Assert.Equal("cs", config.ReplMode);
        Assert.Equal("2 bars", config.ReplQuantize);
        Assert.Equal("debug", config.LogLevel);
    }

    [Fact]
    public void Bench_TakesThreadsFromTheConfig_AndFlagsOverrideIt()
    {
        string config = Path.Combine(Path.GetTempPath(), $"liveengine-{Guid.NewGuid():N}.config");
        File.WriteAllLines(config, ["[engine]", "threads = 2", "block_frames = 128"]);
        try
        {
            LiveEngineProcess.Result fromConfig = LiveEngineProcess.Run(null, "bench", "voices-16", "--seconds", "0.5", "--config", config);
            Assert.True(fromConfig.ExitCode == 0, fromConfig.Error);
            Assert.Contains("2 thread(s)", fromConfig.Output);
            Assert.Contains("128-frame blocks", fromConfig.Output);

            LiveEngineProcess.Result overridden = LiveEngineProcess.Run(null, "bench", "voices-16", "--seconds", "0.5", "--config", config, "--threads", "1");
            Assert.True(overridden.ExitCode == 0, overridden.Error);
            Assert.Contains("1 thread(s)", overridden.Output);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
