using System.CommandLine;
using System.Globalization;
using LiveEngine.Hosts.Jack;
using LiveEngine.Hosts.PortAudio;

namespace LiveEngine.Cli;

/// <summary><c>liveengine devices</c>: what audio exists here — a JACK server, and PortAudio's output devices.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List audio outputs: whether a JACK server runs, and PortAudio's output devices by host API.");
        command.SetAction(_ =>
        {
            Console.WriteLine(JackDriver.IsServerRunning() ? "JACK: the default server is running (liveengine play uses it)" : "JACK: no server running");
            try
            {
                IReadOnlyList<PortAudioDevice> devices = PortAudioDriver.Devices();
                Console.WriteLine(devices.Count == 0 ? "PortAudio: no output devices" : "PortAudio output devices:");
                foreach (PortAudioDevice device in devices)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{device.Index}] {device.HostApi}: {device.Name} ({device.MaxOutputChannels} ch, {device.DefaultSampleRate:0} Hz){(device.IsDefault ? " (default)" : "")}"));
                }
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
            {
                Console.WriteLine($"PortAudio: unavailable ({e.Message})");
            }

            return 0;
        });
        return command;
    }
}
