using System.Diagnostics;
using System.Globalization;
using LiveEngine.Languages;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary><c>:tracker</c>: the tracker patterns of stdlib/tracker.lua, as a live grid and as edits that become Lua lines.</summary>
public sealed partial class Repl
{
    /// <summary>Rows of a pattern shown at once; longer patterns scroll with the cursor.</summary>
    private const int TrackerWindowRows = 16;

    private async Task TrackerAsync(string argument)
    {
        string[] parts = argument.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            Evaluation list = await _performance.EvaluateAsync("lua", "print(tracker_list())", "tracker-view", _quantize).ConfigureAwait(false);
            _console.WriteLine(list.Ok ? "tracker patterns: " + list.Output.Trim() : "error: " + list.Error);
            return;
        }

        if (parts.Length == 4)
        {
            // An edit made in the view is code: the same tracker_set line the performer could type, shown so that it
            // can be pasted into the piece, and evaluated (and logged) as typed code is.
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int row)
                || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int track))
            {
                throw new ArgumentException($"':tracker {argument}': ROW (from 0) and TRACK (from 1) are whole numbers, e.g. ':tracker drums 4 1 C-4 v40'.");
            }

            string line = string.Create(CultureInfo.InvariantCulture, $"tracker_set({LuaString(parts[0])}, {row}, {track}, {LuaString(parts[3])})");
            _console.MarkupLine("[grey]lua>[/] " + Markup.Escape(line));
            await EvaluateAsync("lua", line, $"repl:{++_evaluations}").ConfigureAwait(false);
            return;
        }

        if (parts.Length != 1)
        {
            throw new ArgumentException($"':tracker {argument}': give a pattern's name, or NAME ROW TRACK CELL to edit a cell.");
        }

        await ShowTrackerAsync(parts[0]).ConfigureAwait(false);
    }

    /// <summary>
    /// Draws the grid with the play cursor until a key is pressed. The pattern is read again at every bar line, so a
    /// code change shows at the next bar; between reads the cursor follows the tempo.
    /// </summary>
    private async Task ShowTrackerAsync(string name)
    {
        string code = $"print(tracker_view({LuaString(name)}))";
        TrackerView? view = await ReadTrackerAsync(code).ConfigureAwait(false);
        if (view is null)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        double readAt = 0;
        double BeatNow() => view.Beat + ((clock.Elapsed.TotalSeconds - readAt) * _performance.TempoNow() / 60);

        if (Console.IsInputRedirected)
        {
            _console.Write(new Markup(view.Markup(name, view.RowAt(BeatNow()), TrackerWindowRows)));
            return;
        }

        await _console.Live(new Markup(view.Markup(name, view.RowAt(BeatNow()), TrackerWindowRows))).StartAsync(async context =>
        {
            long bar = (long)Math.Floor(BeatNow() / 4);
            while (!Console.KeyAvailable)
            {
                await Task.Delay(40).ConfigureAwait(false);
                double beat = BeatNow();
                if ((long)Math.Floor(beat / 4) != bar)
                {
                    TrackerView? next = await ReadTrackerAsync(code).ConfigureAwait(false);
                    if (next is null)
                    {
                        break;
                    }

                    view = next;
                    readAt = clock.Elapsed.TotalSeconds;
                    beat = BeatNow();
                    bar = (long)Math.Floor(beat / 4);
                }

                context.UpdateTarget(new Markup(view.Markup(name, view.RowAt(beat), TrackerWindowRows)));
            }
        }).ConfigureAwait(false);

        while (Console.KeyAvailable)
        {
            Console.ReadKey(intercept: true);
        }
    }

    private async Task<TrackerView?> ReadTrackerAsync(string code)
    {
        Evaluation result = await _performance.EvaluateAsync("lua", code, "tracker-view", _quantize).ConfigureAwait(false);
        if (!result.Ok)
        {
            _console.MarkupLine("[red]error:[/] " + Markup.Escape(result.Error ?? "failed"));
            return null;
        }

        return TrackerView.Parse(result.Output.TrimEnd('\n'));
    }

    private static string LuaString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
