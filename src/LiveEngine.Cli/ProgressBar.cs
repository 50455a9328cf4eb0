using System.Globalization;

namespace LiveEngine.Cli;

/// <summary>A one-line progress bar on a terminal; silent when the stream is redirected (logs, CI).</summary>
internal sealed class ProgressBar(TextWriter writer)
{
    private const int Width = 40;
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private int _lastPercent = -1;

    public void Report(double fraction)
    {
        int percent = (int)(Math.Clamp(fraction, 0, 1) * 100);
        if (!_enabled || percent == _lastPercent)
        {
            return;
        }

        _lastPercent = percent;
        int filled = percent * Width / 100;
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%"));
    }

    public void Complete()
    {
        if (_enabled && _lastPercent >= 0)
        {
            writer.WriteLine();
        }
    }
}
