using LiveEngine.Dsp;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts;

/// <summary>
/// The test assembly's entry point, used only when a test starts it as an engine process
/// (<c>dotnet LiveEngine.Hosts.Tests.dll engine --socket PATH [--driver D] [--jack-server S] [--client-name N]</c>):
/// the same <see cref="EngineHost"/> that <c>liveengine engine</c> runs, without depending on the CLI's build.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "engine")
        {
            Console.Error.WriteLine("usage: LiveEngine.Hosts.Tests engine --socket PATH [--driver null|jack|portaudio] [--jack-server NAME] [--client-name NAME]");
            return 2;
        }

        string? socket = null;
        string driver = "null";
        string? server = null;
        string client = "liveengine";
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--socket":
                    socket = args[i + 1];
                    break;
                case "--driver":
                    driver = args[i + 1];
                    break;
                case "--jack-server":
                    server = args[i + 1];
                    break;
                case "--client-name":
                    client = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        if (socket is null)
        {
            Console.Error.WriteLine("--socket is required");
            return 2;
        }

        var options = new EngineHostOptions
        {
            SocketPath = socket,
            Driver = new DriverSpec(driver, server),
            JackClientName = client,
            // A test host shares the machine with builds and other tests: no mlockall there.
            LockMemory = false,
        };
        return EngineHost.Run(options, BuiltinNodeTypes.CreateRegistry(), TextWriter.Null);
    }
}
