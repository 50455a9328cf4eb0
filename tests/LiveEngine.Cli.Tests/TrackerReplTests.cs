namespace LiveEngine.Tests.Cli;

/// <summary>
/// <c>:tracker</c> in a real terminal (tmux): the grid of a playing pattern with its cursor moving, and an edit typed as
/// a view command that runs as its tracker_set line and shows in the grid.
/// </summary>
[Collection("TimingSensitive")]
public sealed class TrackerReplTests() : ReplFolder("le-tracker-")
{
    private string[] Args() =>
    [
        "--driver", "null", "--port", "0", "--history", Path.Combine(Dir, "history"),
        "--session-log", Path.Combine(Dir, "session.jsonl"), "--config", WriteConfig(),
    ];

    private string WriteConfig()
    {
        string path = Path.Combine(Dir, "test.config");
        File.WriteAllLines(path, ["[engine]", $"socket = \"{EngineSocket}\"", "[log]", $"path = \"{Path.Combine(Dir, "liveengine.log")}\""]);
        return path;
    }

    [Fact]
    public void TrackerView_ShowsTheGrid_WithTheCursorMoving_AndAnEditBecomesItsLuaLine()
    {
        using var tmux = new TmuxSession(Dir, Args());
        tmux.WaitFor("lua>");
        tmux.Type("out(adsr 'env' {attack = 0, decay = 0, sustain = 1, release = 0, gate = 0})");
        tmux.WaitFor(s => s.Contains("out(out)", StringComparison.Ordinal), "the graph evaluated");

        // 8 rows at 2 per beat, at 120 BPM: a row every 250 ms, the pattern every 2 s.
        tmux.Type("tracker('beat', {lpb = 2, rows = 8, tracks = {'env'}, text = 'x c3\\n---\\nx c3\\n---\\nx c3\\n---\\nx c3\\n---'}) tracker_play('beat')");
        tmux.WaitFor(s => LastLine(s) == "lua>", "the tracker evaluated");
        tmux.Type(":tracker beat");
        string first = tmux.WaitFor(s => CursorRow(s) >= 0, "the grid with a cursor");
        Assert.Contains("tracker beat", first, StringComparison.Ordinal);
        Assert.Contains("│ env", first, StringComparison.Ordinal);
        int row = CursorRow(first);
        string moved = tmux.WaitFor(s => CursorRow(s) >= 0 && CursorRow(s) != row, "the cursor on another row", seconds: 10);
        Assert.Single(moved.Split('\n'), l => l.Contains('▶'));

        // Any key leaves the view; an edit is the equivalent Lua line, evaluated through the same path as typed code.
        tmux.Key("q");
        tmux.WaitFor(s => LastLine(s) == "lua>", "the prompt back after the view");
        tmux.Type(":tracker beat 1 1 x r3 c1");
        tmux.WaitFor(s => s.Contains("lua> tracker_set(\"beat\", 1, 1, \"x r3 c1\")", StringComparison.Ordinal), "the edit shown as its Lua line");
        tmux.Type(":tracker beat");
        tmux.WaitFor(s => s.Contains("01 │ x   r3 c1", StringComparison.Ordinal), "the edited cell in the grid");
        tmux.Key("q");
        tmux.WaitFor(s => LastLine(s) == "lua>", "the prompt back");
        tmux.Type(":quit");
        tmux.WaitFor("LIVEENGINE-EXITED 0");

        IReadOnlyList<LiveEngine.Frontend.SessionLogEntry> log = LiveEngine.Frontend.SessionLog.Read(Path.Combine(Dir, "session.jsonl"));
        Assert.Contains(log, e => e.Kind == "eval" && e.Code == "tracker_set(\"beat\", 1, 1, \"x r3 c1\")");
    }

    private static int CursorRow(string screen)
    {
        // The last drawn frame wins: Live redraws in place, but capture-pane keeps what scrolled.
        string? line = screen.Split('\n').LastOrDefault(l => l.StartsWith("▶ ", StringComparison.Ordinal));
        return line is null ? -1 : int.Parse(line.AsSpan(2, 2), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string LastLine(string screen) => screen.TrimEnd().Split('\n')[^1].Trim();
}
