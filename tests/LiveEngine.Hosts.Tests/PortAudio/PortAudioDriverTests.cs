using System.Runtime.InteropServices;
using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Hosts.PortAudio;
using LiveEngine.Live;
using LiveEngine.Tests.Hosts.Jack;

namespace LiveEngine.Tests.Hosts.PortAudio;

[Collection(JackServerCollection.Name)]
public sealed partial class PortAudioDriverTests
{
    [Fact]
    public void PlaysThroughPortAudiosJackHostApi_InRealTime_ToneHeardAtItsFrequencyAndLevel_AllocatingNothingAfterWarmUp()
    {
        using var server = new JackServer();

        // PortAudio's JACK host API connects to the default server when PortAudio initialises: point libjack at
        // the test server (in the native environment, which Environment.SetEnvironmentVariable does not touch).
        Assert.Equal(0, setenv("JACK_DEFAULT_SERVER", server.Name, 1));
        IReadOnlyList<PortAudioDevice> devices = PortAudioDriver.Devices();
        Assert.Contains(devices, d => d.HostApi.Contains("JACK", StringComparison.OrdinalIgnoreCase));

        var graph = new GraphDescription();
        // A 1 kHz sine at level 0.4, centred by the equal-power pan: RMS 0.4 · cos(π/4) / √2 = 0.2 per channel.
        graph.Add("osc", "sine", new Dictionary<string, double> { ["freqHz"] = 1000, ["level"] = 0.4 });
        graph.Add("pan", "pan");
        graph.Add("out", "out");
        graph.Chain("osc", "pan", "out");
        var session = new LiveSession(BuiltinNodeTypes.CreateRegistry(), graph, new LiveSessionOptions { MaxBlockFrames = 128 });
        using (PortAudioDriver driver = PortAudioDriver.Start(session.Renderer, 48_000, 128, hostApi: "JACK"))
        {
            using (JackCapture capture = JackCapture.Start(server.Name, 2, 48_000))
            {
                IReadOnlyList<string> ports = capture.OutputPorts("^PortAudio");
                Assert.Equal(2, ports.Count);
                capture.Connect(ports[0], 0);
                capture.Connect(ports[1], 1);
                Thread.Sleep(200);
                Tone.AssertTone(capture.Record(38_400), capture.SampleRate, 1000, 20 * Math.Log10(0.2));
            }

            Thread.Sleep(800);
            Assert.InRange(driver.Stats.Callbacks, 250, 900);
            Assert.Equal(0, driver.CallbackErrors);
            Assert.Equal(0, driver.Stats.AllocatedAfterWarmUp);
            Assert.Contains("JACK", driver.DeviceName);
        }

        var e = Assert.Throws<InvalidOperationException>(() => PortAudioDriver.Start(session.Renderer, 48_000, 128, hostApi: "NoSuchApi"));
        Assert.StartsWith("No PortAudio output device of host API 'NoSuchApi' with 2 channels. Devices: ", e.Message);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
