using System.Globalization;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Hosts.Wav;

namespace LiveEngine.Frontend;

/// <summary>
/// The folders a performance may read samples from (repl.config <c>[repl] sample_folders</c>): the only files code
/// can read. <c>sample(name, file)</c> in Lua loads a WAV file found under one of them into the shared sample
/// library; a path that leads outside them (<c>..</c>, an absolute path elsewhere, a link) is refused.
/// </summary>
public sealed class SampleFolders(IReadOnlyList<string> folders)
{
    private readonly string[] _folders = [.. folders.Select(f => Path.GetFullPath(f).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar)];

    public IReadOnlyList<string> Folders => _folders;

    /// <summary>Called with every sample loaded, after it is in this process's library: a remote engine gets its copy here.</summary>
    public Action<string, IReadOnlyList<float[]>, int>? Loaded { get; init; }

    /// <summary>The host command: "NAME\nFILE" → a line saying what was loaded. Throws with the reason otherwise.</summary>
    public string Command(string argument)
    {
        string[] parts = argument.Split('\n', 2);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException("sample: give a name and a file.");
        }

        return Load(parts[0], parts[1]);
    }

    /// <summary>
    /// Loads the impulse responses a JSON graph's <c>convolution</c> nodes name (option <c>ir</c>) before it is committed,
    /// so that an engine in another process gets them too (through <see cref="Loaded"/>, the sample-load command). From a
    /// graph file (<paramref name="graphFile"/>, <c>:load</c>): a WAV file relative to its folder (or absolute), loaded
    /// under its full path, which the option is rewritten to, as <c>liveengine render</c> does. Without one (the editor
    /// socket's <c>graph/commit</c>): a sample of that name already loaded, else a WAV file inside a granted folder,
    /// loaded under the name as written. Throws <see cref="ArgumentException"/> naming the node and the file.
    /// </summary>
    public void LoadImpulseResponses(GraphDescription graph, string? graphFile)
    {
        ArgumentNullException.ThrowIfNull(graph);
        foreach (NodeSpec node in graph.Nodes)
        {
            if (node.Type != "convolution" || !node.Options.TryGetValue(ConvolutionNode.ImpulseResponseOption, out string? file))
            {
                continue;
            }

            string what = $"graph: node '{node.Id}': impulse response '{file}'";
            if (graphFile is null)
            {
                if (SampleLibrary.Shared.TryGet(file, out _))
                {
                    continue;
                }

                try
                {
                    Load(file, file);
                }
                catch (InvalidOperationException e)
                {
                    throw new ArgumentException($"{what}: {e.Message}", e);
                }

                continue;
            }

            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(graphFile)) ?? ".", file));
            if (!File.Exists(full))
            {
                throw new ArgumentException($"{what} not found (looked for {full}).");
            }

            WavFile wav;
            try
            {
                wav = WavFile.Read(full);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"{what}: {e.Message}", e);
            }

            SampleLibrary.Shared.Add(full, wav.Channels, wav.SampleRate);
            Loaded?.Invoke(full, wav.Channels, wav.SampleRate);
            node.Options[ConvolutionNode.ImpulseResponseOption] = full;
        }
    }

    /// <summary>Loads <paramref name="file"/> (relative to a granted folder) as the sample <paramref name="name"/>.</summary>
    public string Load(string name, string file)
    {
        if (_folders.Length == 0)
        {
            throw new InvalidOperationException("sample: no sample folders are granted; list them in repl.config, [repl] sample_folders = \"~/samples\".");
        }

        foreach (string folder in _folders)
        {
            string full = Path.GetFullPath(Path.Combine(folder, file));
            if (!full.StartsWith(folder, StringComparison.Ordinal) || !File.Exists(full))
            {
                continue;
            }

            FileInfo info = new(full);
            if (info.LinkTarget is not null)
            {
                throw new InvalidOperationException($"sample: '{file}' is a link; samples are read only from inside the granted folders.");
            }

            WavFile wav;
            try
            {
                wav = WavFile.Read(full);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidOperationException($"sample: {file}: {e.Message}", e);
            }

            SampleLibrary.Shared.Add(name, wav.Channels, wav.SampleRate);
            Loaded?.Invoke(name, wav.Channels, wav.SampleRate);
            return string.Create(CultureInfo.InvariantCulture, $"sample '{name}': {wav.Channels[0].Length} frames, {wav.ChannelCount} ch, {wav.SampleRate} Hz from {full}");
        }

        throw new InvalidOperationException($"sample: no file '{file}' inside the granted folders ({string.Join(", ", _folders)}).");
    }
}
