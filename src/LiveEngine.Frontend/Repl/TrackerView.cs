using System.Globalization;
using System.Text;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary>
/// The REPL's <c>:tracker NAME</c> grid: a pattern as <c>tracker_view(NAME)</c> describes it (stdlib/tracker.lua),
/// drawn as rows × tracks with the play cursor on the row playing, scrolled so the cursor stays in sight.
/// </summary>
internal sealed class TrackerView
{
    private TrackerView(int linesPerBeat, int rows, int offset, int total, double beat, string[] tracks, string[][] cells)
    {
        LinesPerBeat = linesPerBeat;
        Rows = rows;
        Offset = offset;
        Total = total;
        Beat = beat;
        Tracks = tracks;
        Cells = cells;
    }

    public int LinesPerBeat { get; }

    public int Rows { get; }

    /// <summary>The pattern's first row in the order list playing; -1 when it does not play.</summary>
    public int Offset { get; }

    /// <summary>Rows in the whole order list.</summary>
    public int Total { get; }

    /// <summary>The beat the audio side had reached when the view was read.</summary>
    public double Beat { get; }

    public string[] Tracks { get; }

    public string[][] Cells { get; }

    public static TrackerView Parse(string text)
    {
        string[] lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        string[] head = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || head.Length != 5)
        {
            throw new FormatException("tracker_view gave an unexpected answer: " + lines[0]);
        }

        int rows = int.Parse(head[1], CultureInfo.InvariantCulture);
        var cells = new string[rows][];
        for (int r = 0; r < rows; r++)
        {
            string line = r + 2 < lines.Length ? lines[r + 2] : "";
            cells[r] = line.Split('|').Select(c => c.Trim()).ToArray();
        }

        return new TrackerView(
            int.Parse(head[0], CultureInfo.InvariantCulture),
            rows,
            int.Parse(head[2], CultureInfo.InvariantCulture),
            int.Parse(head[3], CultureInfo.InvariantCulture),
            double.Parse(head[4], CultureInfo.InvariantCulture),
            lines[1].Split('|'),
            cells);
    }

    /// <summary>The pattern's row playing at <paramref name="beat"/>, or -1 when another pattern (or none) plays.</summary>
    public int RowAt(double beat)
    {
        if (Offset < 0 || Total <= 0)
        {
            return -1;
        }

        long songRow = (long)Math.Floor((beat * LinesPerBeat) + 1e-9) % Total;
        long row = songRow - Offset;
        return row >= 0 && row < Rows ? (int)row : -1;
    }

    /// <summary>The grid as Spectre markup: a title, a header of track names, <paramref name="window"/> rows around the cursor.</summary>
    public string Markup(string name, int cursor, int window)
    {
        int width = Math.Max(12, Tracks.Concat(Cells.SelectMany(c => c)).Select(s => s.Length).DefaultIfEmpty(0).Max());
        int first = Rows <= window ? 0 : Math.Clamp((cursor < 0 ? 0 : cursor) - (window / 2), 0, Rows - window);
        int last = Math.Min(Rows, first + window);
        var text = new StringBuilder();
        string state = cursor < 0 ? "not playing" : string.Create(CultureInfo.InvariantCulture, $"row {cursor}");
        text.Append(CultureInfo.InvariantCulture, $"[bold]tracker {Spectre.Console.Markup.Escape(name)}[/] — {Rows} rows, {LinesPerBeat} per beat, {state} [grey](any key leaves the view; :tracker NAME ROW TRACK CELL edits)[/]\n");
        text.Append("     ");
        foreach (string track in Tracks)
        {
            text.Append("│ ").Append(Spectre.Console.Markup.Escape(track.PadRight(width))).Append(' ');
        }

        text.Append('\n');
        for (int r = first; r < last; r++)
        {
            bool playing = r == cursor;
            var line = new StringBuilder();
            line.Append(playing ? "▶ " : "  ").Append(r.ToString("D2", CultureInfo.InvariantCulture)).Append(' ');
            for (int t = 0; t < Tracks.Length; t++)
            {
                string cell = t < Cells[r].Length ? Cells[r][t] : "---";
                line.Append("│ ").Append(cell.PadRight(width)).Append(' ');
            }

            string escaped = Spectre.Console.Markup.Escape(line.ToString());
            text.Append(playing ? $"[black on yellow]{escaped}[/]" : r % LinesPerBeat == 0 ? $"[white]{escaped}[/]" : $"[grey]{escaped}[/]").Append('\n');
        }

        return text.ToString();
    }
}
