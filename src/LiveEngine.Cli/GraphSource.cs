using LiveEngine.Dsp.Workloads;
using LiveEngine.Graph;

namespace LiveEngine.Cli;

/// <summary>Where a command's graph comes from: a standard workload by name, or a graph description file (JSON).</summary>
internal static class GraphSource
{
    public static GraphDescription Load(string? file, string? workload, int seed)
    {
        if (file is not null && workload is not null)
        {
            throw new CliException("Give either a graph file or --workload, not both.");
        }

        if (workload is not null)
        {
            try
            {
                return StandardWorkloads.Create(workload, seed);
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
        }

        if (file is null)
        {
            throw new CliException("Nothing to render: give a graph file (.json) or --workload NAME.");
        }

        if (!File.Exists(file))
        {
            throw new CliException($"File not found: {file}");
        }

        string extension = Path.GetExtension(file);
        if (!extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"{file}: expected a graph description (.json) or a piece (.lua, .csx), not '{extension}'.");
        }

        try
        {
            GraphDescription graph = GraphDescription.FromJson(File.ReadAllText(file));
            ImpulseResponseFiles.Load(graph, file);
            return graph;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"{file}: invalid graph JSON{(e.LineNumber is { } line ? $" at line {line + 1}" : "")}: {e.Message}");
        }
    }
}

/// <summary>A mistake in how a command was called: printed as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
