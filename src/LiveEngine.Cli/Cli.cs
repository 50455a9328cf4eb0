using LiveEngine.Dsp;
using LiveEngine.Graph;
using LiveEngine.Snapshots;

namespace LiveEngine.Cli;

/// <summary>What every command shares: error reporting and graph compilation.</summary>
internal static class Cli
{
    /// <summary>Runs a command body; a usage or graph error is printed as a clear message with exit code 2.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
        catch (GraphValidationException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    public static GraphSnapshot Compile(GraphDescription description, int sampleRate, int block, int seed)
    {
        if (sampleRate is < CompileOptions.MinSampleRate or > CompileOptions.MaxSampleRate)
        {
            throw new CliException($"--sample-rate must be {CompileOptions.MinSampleRate} to {CompileOptions.MaxSampleRate}, not {sampleRate}.");
        }

        if (block is < 1 or > CompileOptions.MaxBlockLimit)
        {
            throw new CliException($"--block must be 1 to {CompileOptions.MaxBlockLimit} frames, not {block}.");
        }

        var options = new CompileOptions { SampleRate = sampleRate, MaxBlockFrames = block, Seed = (ulong)seed };
        return GraphCompiler.Compile(description, BuiltinNodeTypes.CreateRegistry(), options);
    }
}
