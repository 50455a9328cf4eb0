using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;

namespace LiveEngine.Cli;

/// <summary>
/// The impulse responses a graph file names: a "convolution" node's option "ir" in a JSON graph is a WAV file's path
/// relative to the graph file's folder (or absolute). Each is read into the shared sample library under its full
/// path, and the option is rewritten to that name, which is what the node looks up when it is prepared.
/// </summary>
internal static class ImpulseResponseFiles
{
    public static void Load(GraphDescription graph, string graphFile)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(graphFile)) ?? ".";
        foreach (NodeSpec node in graph.Nodes)
        {
            if (node.Type != "convolution" || !node.Options.TryGetValue(ConvolutionNode.ImpulseResponseOption, out string? file))
            {
                continue;
            }

            string full = Path.GetFullPath(Path.Combine(folder, file));
            if (!SampleLibrary.Shared.TryGet(full, out _))
            {
                if (!File.Exists(full))
                {
                    throw new CliException($"{graphFile}: node '{node.Id}': impulse response '{file}' not found (looked for {full}).");
                }

                WavFile wav;
                try
                {
                    wav = WavFile.Read(full);
                }
                catch (InvalidDataException e)
                {
                    throw new CliException($"{graphFile}: node '{node.Id}': impulse response '{file}': {e.Message}");
                }

                SampleLibrary.Shared.Add(full, wav.Channels, wav.SampleRate);
            }

            node.Options[ConvolutionNode.ImpulseResponseOption] = full;
        }
    }
}
