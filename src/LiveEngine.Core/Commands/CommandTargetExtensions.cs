using LiveEngine.Graph;
using LiveEngine.Time;

namespace LiveEngine.Commands;

/// <summary>One typed helper per command, for any <see cref="ICommandTarget"/>: a session here or an engine elsewhere.</summary>
public static class CommandTargetExtensions
{
    /// <summary>Validates, compiles and schedules <paramref name="graph"/> to land at <paramref name="when"/>.</summary>
    public static CommandReceipt Commit(this ICommandTarget target, GraphDescription graph, Quantization when) =>
        target.Execute(new CommitCommand(graph, when));

    /// <summary>Adds the nodes and edges of <paramref name="patch"/> to the latest graph (same ids replace) at <paramref name="when"/>.</summary>
    public static CommandReceipt Patch(this ICommandTarget target, GraphDescription patch, Quantization when) =>
        target.Execute(new CommitCommand(patch, when, Patch: true));

    /// <summary>Brings back the graph before the last commit at <paramref name="when"/>; false (and -1) if there is nothing to undo.</summary>
    public static bool TryUndo(this ICommandTarget target, Quantization when, out long sample)
    {
        CommandReceipt receipt = target.Execute(new UndoCommand(when));
        sample = receipt.Sample;
        return receipt.HasSample;
    }

    /// <summary>Sets a parameter at an exact musical time; returns the sample it lands on.</summary>
    public static long SetParameter(this ICommandTarget target, string nodeId, string parameter, double value, Quantization when) =>
        target.Execute(new SetParameterCommand(nodeId, parameter, value, when)).Sample;

    /// <summary>Sets <paramref name="parameter"/> to <paramref name="on"/> at <paramref name="when"/> and back to <paramref name="off"/> <paramref name="lengthBeats"/> later.</summary>
    public static (long OnSample, long OffSample) Trigger(this ICommandTarget target, string nodeId, Quantization when, Fraction lengthBeats, string parameter = "gate", double on = 1, double off = 0)
    {
        CommandReceipt receipt = target.Execute(new TriggerCommand(nodeId, parameter, when, lengthBeats, on, off));
        return (receipt.Sample, receipt.EndSample);
    }

    /// <summary>Changes the tempo (and the meter when <paramref name="beatsPerBar"/> is given) at <paramref name="when"/>; returns the sample.</summary>
    public static long SetTempo(this ICommandTarget target, Fraction bpm, Quantization when, int? beatsPerBar = null) =>
        target.Execute(new SetTempoCommand(bpm, when, beatsPerBar)).Sample;

    /// <summary>Ramps the tempo linearly to <paramref name="bpm"/> over <paramref name="lengthBeats"/> beats from <paramref name="when"/>; returns the sample it starts on.</summary>
    public static long RampTempo(this ICommandTarget target, Fraction bpm, Fraction lengthBeats, Quantization when) =>
        target.Execute(new RampTempoCommand(bpm, lengthBeats, when)).Sample;

    /// <summary>Sets a named variable now.</summary>
    public static void SetVariable(this ICommandTarget target, string name, double value) =>
        target.Execute(new SetVariableCommand(name, value));

    /// <summary>Puts a sample into the sample library under <paramref name="name"/>.</summary>
    public static void LoadSample(this ICommandTarget target, string name, IReadOnlyList<float[]> channels, int sampleRate) =>
        target.Execute(new LoadSampleCommand(name, channels, sampleRate));

    /// <summary>Admits the node classes of a compiled user assembly; returns the node types registered.</summary>
    public static IReadOnlyList<string> AdmitNodes(this ICommandTarget target, ReadOnlySpan<byte> image, ReadOnlySpan<byte> pdb) =>
        target.Execute(new AdmitNodesCommand(image.ToArray(), pdb.ToArray())).AdmittedTypes;

    /// <summary>Binds (or frees) a controller lane in the engine: mapping, smoothing and soft takeover run there, per sample.</summary>
    /// <summary>Stops (false) or starts (true) the transport at the next block; returns the position where the clock holds or resumes.</summary>
    public static long SetTransport(this ICommandTarget target, bool playing) =>
        target.Execute(new TransportCommand(playing)).Sample;

    public static void BindController(this ICommandTarget target, LiveEngine.Live.ControllerLane lane) =>
        target.Execute(new BindControllerCommand(lane));

    /// <summary>Moves a bound controller lane to a normalised position; returns the sample it lands on.</summary>
    public static long MoveController(this ICommandTarget target, int lane, double position, long atSample = -1, long arrivalTimestamp = 0) =>
        target.Execute(new MoveControllerCommand(lane, position, atSample, arrivalTimestamp)).Sample;
}
