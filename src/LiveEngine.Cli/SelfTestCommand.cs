using System.CommandLine;
using System.Globalization;
using LiveEngine.Dsp.Kernels;

namespace LiveEngine.Cli;

/// <summary><c>liveengine selftest</c>: checks every SIMD kernel against its scalar specification on this machine.</summary>
internal static class SelfTestCommand
{
    public static Command Create()
    {
        var command = new Command("selftest", "Check every SIMD kernel against its scalar reference on this CPU (exit code 1 on a mismatch).");
        command.SetAction(_ =>
        {
            Console.WriteLine(KernelSelfTest.InstructionSets);
            int failed = 0;
            foreach (KernelCheckResult result in KernelSelfTest.RunAll())
            {
                failed += result.Passed ? 0 : 1;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(result.Passed ? "ok  " : "FAIL")} {result.Name,-32} max difference {result.MaxDifference:G3} (allowed {result.Tolerance:G3})"));
            }

            Console.WriteLine(failed == 0 ? "all kernels match their scalar reference" : $"{failed} kernel(s) differ from their scalar reference");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
