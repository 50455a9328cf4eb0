using System.CommandLine;
using System.Globalization;
using LiveEngine.Dsp;
using LiveEngine.Frontend;
using LiveEngine.Hosts.Wav;

namespace LiveEngine.Cli;

/// <summary><c>liveengine replay LOG --out F.wav</c>: re-renders a session log offline, bit-identical to an offline render of the same session.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var log = new Argument<string>("log") { Description = "Session log (.jsonl) written by the REPL." };
        var output = new Option<string>("--out", "-o") { Description = "WAV file to write.", Required = true };
        var tail = new Option<double>("--tail") { Description = "Seconds rendered after the last action when the log has no clean end.", DefaultValueFactory = _ => 4 };
        var bits = new Option<int>("--bits") { Description = "16 or 24 (integer PCM) or 32 (float).", DefaultValueFactory = _ => 24 };
        Option<string?> config = Cli.ConfigOption();
        var command = new Command("replay", "Re-render a session log offline to a WAV file.") { log, output, tail, bits, config };
        command.SetAction(result => Cli.Run(() =>
        {
            string path = result.GetValue(log)!;
            if (!File.Exists(path))
            {
                throw new CliException($"File not found: {path}");
            }

            WavSampleFormat format;
            try
            {
                format = WavSampleFormatExtensions.FromBits(result.GetValue(bits));
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new CliException($"--bits must be 16, 24 or 32, not {result.GetValue(bits)}.");
            }

            string wav = result.GetValue(output)!;
            var registry = BuiltinNodeTypes.CreateRegistry();
            ReplayReport report;
            try
            {
                Console.Error.WriteLine($"Replaying {path} → {wav}");
                var bar = new ProgressBar(Console.Error);
                // The same C# limit as live (repl.config [repl] cs_timeout_ms): a runaway snippet stops here too.
                var languages = FrontendLanguages.Create(registry, EngineConfig.Load(result.GetValue(config)).CSharpLimits);
                report = SessionReplay.Render(path, registry, languages, wav, format, result.GetValue(tail), progress: bar.Report);
                bar.Complete();
            }
            catch (InvalidDataException e)
            {
                throw new CliException(e.Message);
            }

            foreach (string message in report.Messages)
            {
                Console.Error.WriteLine(message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Replayed {report.Actions} actions ({report.FailedActions} failed, as they did live) → {wav}: {report.Frames} frames from sample {report.StartSample}"));
            return 0;
        }));
        return command;
    }
}
