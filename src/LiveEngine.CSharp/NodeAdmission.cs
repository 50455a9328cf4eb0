using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveEngine.Languages;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// Admits compiled user node types: loads assembly bytes into a collectible context and lets a type join the
/// registry only if, off the audio thread, it warms up, then allocates nothing over
/// <see cref="AdmissionOptions.MeasuredBlocks"/> blocks, writes only finite samples, returns within the timeout
/// and costs at most <see cref="AdmissionOptions.MaxCostNsPerFrame"/>. Takes bytes, not a compilation, so the
/// engine process can run it on what the front process ships.
/// </summary>
public static class NodeAdmission
{
    private static long s_generations;

    /// <summary>Loads and checks every <see cref="UserNode"/> class of <paramref name="image"/>. Control thread.</summary>
    /// <returns>The admitted generation, or the reasons, one per rejected class (the generation is then unloaded).</returns>
    public static AdmissionResult Admit(byte[] image, byte[]? pdb, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        string name = "LiveEngine.UserNodes#" + Interlocked.Increment(ref s_generations).ToString(CultureInfo.InvariantCulture);
        NodeGeneration generation;
        try
        {
            generation = NodeGeneration.Load(name, image, pdb);
        }
        catch (BadImageFormatException exception)
        {
            return new AdmissionResult(null, [$"not a loadable assembly: {exception.Message}"]);
        }

        var rejections = new List<string>();
        var types = new List<NodeTypeDescriptor>();
        var measurements = new List<AdmissionMeasurement>();
        Type[] exported;
        try
        {
            exported = generation.Assembly!.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            generation.Unload();
            return new AdmissionResult(null, [$"its types do not load: {exception.LoaderExceptions.FirstOrDefault()?.Message}"]);
        }

        foreach (Type type in exported.Where(t => t.IsSubclassOf(typeof(UserNode)) && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string? reason = TryDescribe(type, out NodeTypeDescriptor? draft);
            if (draft is not null)
            {
                reason = Measure(draft, options, out AdmissionMeasurement measurement);
                if (reason is null)
                {
                    measurements.Add(measurement);
                    types.Add(WithCost(draft, measurement.CostNsPerFrame));
                }
            }

            if (reason is not null)
            {
                rejections.Add(reason);
            }
        }

        if (rejections.Count > 0)
        {
            generation.Unload();
            return new AdmissionResult(null, rejections);
        }

        generation.Types = types;
        generation.Measurements = measurements;
        return new AdmissionResult(generation, []);
    }

    private static string? TryDescribe(Type type, out NodeTypeDescriptor? descriptor)
    {
        descriptor = null;
        NodeAttribute? node = type.GetCustomAttribute<NodeAttribute>();
        if (node is null)
        {
            return $"class {type.Name} derives from UserNode but has no [Node(\"name\")] attribute";
        }

        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            return $"node '{node.Name}' (class {type.Name}) needs a public parameterless constructor";
        }

        try
        {
            PortDescriptor[] inputs = [.. node.Inputs.Select(ParsePort)];
            PortDescriptor[] outputs = [.. node.Outputs.Select(ParsePort)];
            ParameterDescriptor[] parameters = [.. type.GetCustomAttributes<ParamAttribute>().Select(p => new ParameterDescriptor(p.Name, p.Min, p.Max, p.Default, p.Unit, p.Description))];
            foreach (ParameterDescriptor p in parameters)
            {
                if (!(p.Min <= p.Default && p.Default <= p.Max))
                {
                    return $"node '{node.Name}': parameter '{p.Name}' has default {p.Default} outside its range {p.Min}..{p.Max}";
                }
            }

            if (outputs.Length == 0)
            {
                return $"node '{node.Name}' declares no output port";
            }

            descriptor = new NodeTypeDescriptor(
                node.Name,
                node.Description,
                inputs,
                outputs,
                parameters,
                () => CreateInstance(type, inputs, outputs),
                flags: NodeTypeFlags.Untrusted,
                defaultChannels: node.Channels);
            return null;
        }
        catch (ArgumentException exception)
        {
            return $"node '{node.Name}': {exception.Message}";
        }
    }

    private static UserNode CreateInstance(Type type, IReadOnlyList<PortDescriptor> inputs, IReadOnlyList<PortDescriptor> outputs)
    {
        var node = (UserNode)Activator.CreateInstance(type)!;
        node.SetPorts(inputs, outputs);
        return node;
    }

    private static NodeTypeDescriptor WithCost(NodeTypeDescriptor d, double costNsPerFrame) =>
        new(d.Name, d.Description, d.Inputs, d.Outputs, d.Parameters, d.Create, Math.Max(0.01, costNsPerFrame), d.Flags, d.DefaultChannels);

    private static PortDescriptor ParsePort(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return PortDescriptor.PerNode(text);
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int channels) || channels < 1)
        {
            throw new ArgumentException($"port \"{text}\" must be \"name\", \"name:1\" or \"name:2\"");
        }

        return new PortDescriptor(text[..colon], channels);
    }

    /// <summary>Runs the checks on a thread of its own, so that a runaway Process can be abandoned.</summary>
    private static string? Measure(NodeTypeDescriptor type, AdmissionOptions options, out AdmissionMeasurement measurement)
    {
        var trial = new Trial(type, options);
        var thread = new Thread(trial.Run) { IsBackground = true, Name = "node admission: " + type.Name };
        thread.Start();
        if (!thread.Join(options.Timeout))
        {
            // The thread cannot be stopped; it is a background thread that dies with the process.
            measurement = default;
            return $"node '{type.Name}': Process did not return within {options.Timeout.TotalMilliseconds:0} ms (a runaway loop?)";
        }

        measurement = trial.Measurement;
        return trial.Rejection;
    }

    /// <summary>One type's trial: warm-up, then allocation, finiteness and cost over the measured blocks.</summary>
    private sealed unsafe class Trial(NodeTypeDescriptor type, AdmissionOptions options)
    {
        /// <summary>Rounds of measured blocks at most: a node is refused for allocating only if two rounds allocate.</summary>
        private const int MeasuredRounds = 3;

        public string? Rejection { get; private set; }

        public AdmissionMeasurement Measurement { get; private set; }

        public void Run()
        {
            string phase = "its constructor";
            try
            {
                AudioNode node = type.Create();
                int frames = options.BlockFrames;
                int channels = type.DefaultChannels;
                int inputs = type.Inputs.Sum(p => p.ResolveChannels(channels));
                int outputs = type.Outputs.Sum(p => p.ResolveChannels(channels));
                float[] parameters = [.. type.Parameters.Select(p => p.Default)];
                phase = "Prepare";
                node.Prepare(new PrepareContext(options.SampleRate, frames, channels, parameters, 0x5EEDUL, new Dictionary<string, string>()), null);

                float[] arena = GC.AllocateArray<float>(((inputs + outputs) * frames) + 16, pinned: true);
                float* basePointer = (float*)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(arena)) + 63) & ~(nuint)63);
                int[] inputOffsets = [.. Enumerable.Range(0, inputs).Select(c => c * frames)];
                int[] outputOffsets = [.. Enumerable.Range(0, outputs).Select(c => (inputs + c) * frames)];
                long sampleTime = 0;
                phase = "Process";
                long start = Stopwatch.GetTimestamp();
                for (int b = 0; b < options.WarmUpBlocks; b++)
                {
                    RunBlock(node, basePointer, inputOffsets, outputOffsets, parameters, frames, ref sampleTime);
                }

                double warmUpMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

                // Measured in rounds of MeasuredBlocks blocks, at most MeasuredRounds of them, until one allocates
                // nothing. The runtime itself can allocate once on this thread while Process runs (a CoreLib method
                // that Process calls tiers up; the tiering worker is started again), at a moment that depends on the
                // machine's load: that shows in one round only. A node that allocates per block, or in every round,
                // allocates in two rounds and is refused; its first allocating round's bytes are the message's.
                long allocated = 0;
                int allocatingRounds = 0;
                long ticks = 0;
                bool finite = true;
                for (int round = 0; round < MeasuredRounds; round++)
                {
                    long roundAllocated = 0;
                    ticks = 0;
                    for (int b = 0; b < options.MeasuredBlocks; b++)
                    {
                        FillInputs(basePointer, inputOffsets, frames, sampleTime);
                        var context = new ProcessContext(basePointer, inputOffsets, outputOffsets, parameters, frames, sampleTime);
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        long t0 = Stopwatch.GetTimestamp();
                        node.Process(in context);
                        ticks += Stopwatch.GetTimestamp() - t0;
                        roundAllocated += GC.GetAllocatedBytesForCurrentThread() - before;
                        sampleTime += frames;
                        for (int c = 0; c < outputs && finite; c++)
                        {
                            finite = IsFinite(new ReadOnlySpan<float>(basePointer + outputOffsets[c], frames));
                        }
                    }

                    if (roundAllocated == 0 || !finite)
                    {
                        break;
                    }

                    if (allocatingRounds++ == 0)
                    {
                        allocated = roundAllocated;
                    }
                    else
                    {
                        break;
                    }
                }

                double perBlock = allocated / (double)options.MeasuredBlocks;
                double costNs = ticks * 1e9 / Stopwatch.Frequency / ((double)options.MeasuredBlocks * frames);
                Measurement = new AdmissionMeasurement(type.Name, costNs, allocatingRounds > 1 ? perBlock : 0, warmUpMs);
                if (allocatingRounds > 1)
                {
                    Rejection = $"node '{type.Name}' allocates {perBlock.ToString("0.##", CultureInfo.InvariantCulture)} bytes per block in Process";
                }
                else if (!finite)
                {
                    Rejection = $"node '{type.Name}' writes NaN or infinity in Process (default parameters, a test tone at the inputs)";
                }
                else if (costNs > options.MaxCostNsPerFrame)
                {
                    Rejection = $"node '{type.Name}' takes {costNs.ToString("0", CultureInfo.InvariantCulture)} ns per frame in Process, more than the {options.MaxCostNsPerFrame.ToString("0", CultureInfo.InvariantCulture)} ns limit";
                }
            }
            catch (Exception exception)
            {
                Rejection = $"node '{type.Name}' throws {exception.GetType().Name} in {phase} during warm-up: {exception.Message}";
            }
        }

        private static void RunBlock(AudioNode node, float* basePointer, int[] inputOffsets, int[] outputOffsets, float[] parameters, int frames, ref long sampleTime)
        {
            FillInputs(basePointer, inputOffsets, frames, sampleTime);
            var context = new ProcessContext(basePointer, inputOffsets, outputOffsets, parameters, frames, sampleTime);
            node.Process(in context);
            sampleTime += frames;
        }

        /// <summary>A test tone at every input: a 220 Hz × (channel + 1) sine at half scale, continuous across blocks.</summary>
        private static void FillInputs(float* basePointer, int[] inputOffsets, int frames, long sampleTime)
        {
            for (int c = 0; c < inputOffsets.Length; c++)
            {
                float* input = basePointer + inputOffsets[c];
                double step = 2 * Math.PI * 220 * (c + 1) / 48_000;
                for (int i = 0; i < frames; i++)
                {
                    input[i] = (float)(0.5 * Math.Sin(step * (sampleTime + i)));
                }
            }
        }

        private static bool IsFinite(ReadOnlySpan<float> samples)
        {
            foreach (float s in samples)
            {
                if (!float.IsFinite(s))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
