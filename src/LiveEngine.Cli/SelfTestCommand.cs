using System.CommandLine;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Cli;

/// <summary><c>liveengine selftest</c>: checks every SIMD kernel against its scalar specification on this machine.</summary>
internal static class SelfTestCommand
{
    public static Command Create()
    {
        var command = new Command("selftest", "Check every SIMD kernel against its scalar reference on this CPU (exit code 1 on a mismatch).");
        command.SetAction(_ => KernelSelfTest.WriteReport(Console.Out) == 0 ? 0 : 1);
        return command;
    }
}
