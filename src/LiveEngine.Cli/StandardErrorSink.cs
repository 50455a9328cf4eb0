using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace LiveEngine.Cli;

/// <summary>
/// Writes log events to standard error, one line each, flushed at once: where a service manager (systemd's
/// journal) or the editor that started <c>liveengine serve</c> reads them.
/// </summary>
internal sealed class StandardErrorSink : ILogEventSink
{
    private const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    private readonly MessageTemplateTextFormatter _formatter = new(Template, CultureInfo.InvariantCulture);
    private readonly object _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _formatter.Format(logEvent, Console.Error);
            Console.Error.Flush();
        }
    }
}
