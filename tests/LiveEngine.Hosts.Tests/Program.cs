using LiveEngine.Dsp;
using LiveEngine.Hosts.Engine;

namespace LiveEngine.Tests.Hosts;

/// <summary>
/// The test assembly's entry point, used only when a test starts it as an engine process
/// (<c>dotnet LiveEngine.Hosts.Tests.dll engine --socket PATH [--driver D] [--jack-server S] [--client-name N] [--standby]</c>):
/// the same <see cref="EngineHost"/> that <c>liveengine engine</c> runs, without depending on the CLI's build.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "engine")
        {
            Console.Error.WriteLine("usage: LiveEngine.Hosts.Tests engine --socket PATH [--driver null|jack|portaudio] [--jack-server NAME] [--client-name NAME] [--standby]");
            return 2;
        }

        string? socket = null;
        string driver = "null";
        string? server = null;
        string client = "liveengine";
        bool standby = false;
        for (int i = 1; i < args.Length; i += 2)
        {
            if (args[i] == "--standby")
            {
                standby = true;
                i--;
                continue;
            }

            if (i + 1 == args.Length)
            {
                Console.Error.WriteLine($"{args[i]} wants a value");
                return 2;
            }

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
            StandbyInput = standby ? Console.In : null,
            StandbyOutput = standby ? Console.Out : null,
        };
        return EngineHost.Run(options, BuiltinNodeTypes.CreateRegistry(), TextWriter.Null);
    }
}
