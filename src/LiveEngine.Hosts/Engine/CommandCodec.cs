using System.Runtime.InteropServices;
using LiveEngine.Commands;
using LiveEngine.Time;

namespace LiveEngine.Hosts.Engine;

/// <summary>
/// Command records on the engine protocol (docs/engine-protocol.md, "Requests"): a command travels as the message of
/// its <see cref="CommandKind"/> with its fields in order, and its receipt as that message's reply. Mechanical: what a
/// command means is <see cref="Live.LiveSession"/>'s. Reading a parameter change allocates nothing (names come
/// through the connection's <see cref="StringTable"/>, the records are structs).
/// </summary>
public static class CommandCodec
{
    /// <summary>Writes the payload of <paramref name="command"/>'s request.</summary>
    public static void Write<TCommand>(FrameWriter writer, in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        switch (command.Kind)
        {
            case CommandKind.Commit:
                {
                    ref readonly CommitCommand commit = ref CommandCast.As<TCommand, CommitCommand>(command);
                    writer.WriteQuantization(commit.When);
                    GraphCodec.Write(writer, commit.Graph);
                    writer.WriteByte(commit.Patch ? (byte)1 : (byte)0);
                    break;
                }

            case CommandKind.SetParameter:
                {
                    ref readonly SetParameterCommand set = ref CommandCast.As<TCommand, SetParameterCommand>(command);
                    writer.WriteQuantization(set.When);
                    writer.WriteString(set.NodeId);
                    writer.WriteString(set.Parameter);
                    writer.WriteDouble(set.Value);
                    break;
                }

            case CommandKind.Trigger:
                {
                    ref readonly TriggerCommand trigger = ref CommandCast.As<TCommand, TriggerCommand>(command);
                    writer.WriteQuantization(trigger.When);
                    writer.WriteString(trigger.NodeId);
                    writer.WriteString(trigger.Parameter);
                    writer.WriteFraction(trigger.LengthBeats);
                    writer.WriteDouble(trigger.On);
                    writer.WriteDouble(trigger.Off);
                    break;
                }

            case CommandKind.SetTempo:
                {
                    ref readonly SetTempoCommand tempo = ref CommandCast.As<TCommand, SetTempoCommand>(command);
                    writer.WriteQuantization(tempo.When);
                    writer.WriteFraction(tempo.Bpm);
                    writer.WriteInt32(tempo.BeatsPerBar ?? 0);
                    break;
                }

            case CommandKind.RampTempo:
                {
                    ref readonly RampTempoCommand ramp = ref CommandCast.As<TCommand, RampTempoCommand>(command);
                    writer.WriteQuantization(ramp.When);
                    writer.WriteFraction(ramp.Bpm);
                    writer.WriteFraction(ramp.LengthBeats);
                    break;
                }

            case CommandKind.Undo:
                writer.WriteQuantization(CommandCast.As<TCommand, UndoCommand>(command).When);
                break;

            case CommandKind.SetVariable:
                {
                    ref readonly SetVariableCommand variable = ref CommandCast.As<TCommand, SetVariableCommand>(command);
                    writer.WriteString(variable.Name);
                    writer.WriteDouble(variable.Value);
                    break;
                }

            case CommandKind.LoadSample:
                {
                    ref readonly LoadSampleCommand sample = ref CommandCast.As<TCommand, LoadSampleCommand>(command);
                    CheckSample(sample);
                    writer.WriteString(sample.Name);
                    writer.WriteInt32(sample.SampleRate);
                    writer.WriteInt32(sample.Channels.Count);
                    foreach (float[] channel in sample.Channels)
                    {
                        writer.WriteBytes(MemoryMarshal.AsBytes(channel.AsSpan()));
                    }

                    break;
                }

            case CommandKind.AdmitNodes:
                {
                    ref readonly AdmitNodesCommand admit = ref CommandCast.As<TCommand, AdmitNodesCommand>(command);
                    writer.WriteBytes(admit.Image.Span);
                    writer.WriteBytes(admit.Pdb.Span);
                    break;
                }

            case CommandKind.BindController:
                {
                    Live.ControllerLane lane = CommandCast.As<TCommand, BindControllerCommand>(command).Lane;
                    ArgumentNullException.ThrowIfNull(lane);
                    writer.WriteInt32(lane.Index);
                    writer.WriteString(lane.NodeId ?? "");
                    writer.WriteString(lane.Parameter ?? "");
                    writer.WriteDouble(lane.Min);
                    writer.WriteDouble(lane.Max);
                    writer.WriteByte((byte)lane.Curve);
                    writer.WriteDouble(lane.SmoothingMs);
                    writer.WriteByte(lane.SoftTakeover ? (byte)1 : (byte)0);
                    break;
                }

            case CommandKind.MoveController:
                {
                    ref readonly MoveControllerCommand move = ref CommandCast.As<TCommand, MoveControllerCommand>(command);
                    writer.WriteInt32(move.Lane);
                    writer.WriteDouble(move.Position);
                    writer.WriteInt64(move.AtSample);
                    writer.WriteInt64(MonotonicTime.ToNanoseconds(move.ArrivalTimestamp));
                    break;
                }

            case CommandKind.Transport:
                writer.WriteByte(CommandCast.As<TCommand, TransportCommand>(command).Playing ? (byte)1 : (byte)0);
                break;

            default:
                throw new ArgumentException($"Unknown command kind {command.Kind}.");
        }
    }

    /// <summary>Writes the reply payload of a <paramref name="kind"/> command that <paramref name="receipt"/> answers.</summary>
    public static void WriteReceipt(FrameWriter writer, CommandKind kind, in CommandReceipt receipt)
    {
        switch (kind)
        {
            case CommandKind.Commit:
                writer.WriteInt64(receipt.CommitId);
                writer.WriteInt64(receipt.Sample);
                break;

            case CommandKind.SetParameter or CommandKind.SetTempo or CommandKind.MoveController or CommandKind.Transport:
                writer.WriteInt64(receipt.Sample);
                break;

            case CommandKind.Trigger or CommandKind.RampTempo:
                writer.WriteInt64(receipt.Sample);
                writer.WriteInt64(receipt.EndSample);
                break;

            case CommandKind.Undo:
                writer.WriteByte(receipt.HasSample ? (byte)1 : (byte)0);
                writer.WriteInt64(receipt.Sample);
                writer.WriteInt64(receipt.CommitId);
                break;

            case CommandKind.AdmitNodes:
                writer.WriteInt32(receipt.AdmittedTypes.Count);
                foreach (string name in receipt.AdmittedTypes)
                {
                    writer.WriteString(name);
                }

                break;
        }
    }

    /// <summary>Reads the reply payload of a <paramref name="kind"/> command.</summary>
    public static CommandReceipt ReadReceipt(CommandKind kind, ref FrameReader reader)
    {
        switch (kind)
        {
            case CommandKind.Commit:
                {
                    long id = reader.ReadInt64("commit id");
                    return new CommandReceipt(reader.ReadInt64("commit sample"), CommitId: id);
                }

            case CommandKind.SetParameter or CommandKind.SetTempo or CommandKind.MoveController or CommandKind.Transport:
                return new CommandReceipt(reader.ReadInt64("sample"));

            case CommandKind.Trigger or CommandKind.RampTempo:
                return new CommandReceipt(reader.ReadInt64("sample"), reader.ReadInt64("end sample"));

            case CommandKind.Undo:
                {
                    bool undone = reader.ReadByte("undone") != 0;
                    long sample = reader.ReadInt64("sample");
                    long id = reader.ReadInt64("commit id");
                    return undone ? new CommandReceipt(sample, CommitId: id) : CommandReceipt.None;
                }

            case CommandKind.AdmitNodes:
                {
                    var names = new List<string>();
                    for (int i = reader.ReadInt32("admitted type count"); i > 0; i--)
                    {
                        names.Add(reader.ReadString("node type"));
                    }

                    return CommandReceipt.None with { AdmittedTypes = names };
                }

            default:
                return CommandReceipt.None;
        }
    }

    /// <summary>
    /// Reads the request payload of <paramref name="type"/> and hands the command to <paramref name="visitor"/>;
    /// false if <paramref name="type"/> is not a command's message. Generic over the visitor so that each record goes
    /// to it as itself, unboxed.
    /// </summary>
    public static bool TryRead<TVisitor>(EngineMessage type, ref FrameReader reader, StringTable names, ref TVisitor visitor)
        where TVisitor : struct, ICommandVisitor
    {
        switch (type)
        {
            case EngineMessage.Commit:
                {
                    Quantization when = reader.ReadQuantization();
                    var graph = GraphCodec.Read(ref reader, names);
                    bool patch = reader.ReadByte("patch flag") != 0;
                    reader.EnsureEnd(type);
                    visitor.Visit(new CommitCommand(graph, when, patch, Owned: true));
                    return true;
                }

            case EngineMessage.SetParameter:
                {
                    Quantization when = reader.ReadQuantization();
                    string node = reader.ReadString("node id", names);
                    string parameter = reader.ReadString("parameter name", names);
                    double value = reader.ReadDouble("value");
                    reader.EnsureEnd(type);
                    visitor.Visit(new SetParameterCommand(node, parameter, value, when));
                    return true;
                }

            case EngineMessage.Trigger:
                {
                    Quantization when = reader.ReadQuantization();
                    string node = reader.ReadString("node id", names);
                    string parameter = reader.ReadString("parameter name", names);
                    Fraction length = reader.ReadFraction("length in beats");
                    double on = reader.ReadDouble("on value");
                    double off = reader.ReadDouble("off value");
                    reader.EnsureEnd(type);
                    visitor.Visit(new TriggerCommand(node, parameter, when, length, on, off));
                    return true;
                }

            case EngineMessage.SetTempo:
                {
                    Quantization when = reader.ReadQuantization();
                    Fraction bpm = reader.ReadFraction("tempo");
                    int beatsPerBar = reader.ReadInt32("beats per bar");
                    reader.EnsureEnd(type);
                    visitor.Visit(new SetTempoCommand(bpm, when, beatsPerBar == 0 ? null : beatsPerBar));
                    return true;
                }

            case EngineMessage.RampTempo:
                {
                    Quantization when = reader.ReadQuantization();
                    Fraction bpm = reader.ReadFraction("tempo");
                    Fraction length = reader.ReadFraction("length in beats");
                    reader.EnsureEnd(type);
                    visitor.Visit(new RampTempoCommand(bpm, length, when));
                    return true;
                }

            case EngineMessage.Undo:
                {
                    Quantization when = reader.ReadQuantization();
                    reader.EnsureEnd(type);
                    visitor.Visit(new UndoCommand(when));
                    return true;
                }

            case EngineMessage.SetVariable:
                {
                    string name = reader.ReadString("variable name", names);
                    double value = reader.ReadDouble("value");
                    reader.EnsureEnd(type);
                    visitor.Visit(new SetVariableCommand(name, value));
                    return true;
                }

            case EngineMessage.AdmitNodes:
                {
                    byte[] image = reader.ReadBytes("assembly image").ToArray();
                    byte[] pdb = reader.ReadBytes("assembly PDB").ToArray();
                    reader.EnsureEnd(type);
                    visitor.Visit(new AdmitNodesCommand(image, pdb));
                    return true;
                }

            case EngineMessage.LoadSample:
                {
                    string name = reader.ReadString("sample name");
                    int sampleRate = reader.ReadInt32("sample rate");
                    int channelCount = reader.ReadInt32("channel count");
                    if (channelCount is < 1 or > EngineProtocol.MaxSampleChannels)
                    {
                        throw new EngineProtocolException($"A sample has 1..{EngineProtocol.MaxSampleChannels} channels, not {channelCount}.");
                    }

                    var channels = new float[channelCount][];
                    for (int c = 0; c < channelCount; c++)
                    {
                        ReadOnlySpan<byte> bytes = reader.ReadBytes("sample channel");
                        if (bytes.Length % sizeof(float) != 0 || (c > 0 && bytes.Length != channels[0].Length * sizeof(float)))
                        {
                            throw new EngineProtocolException($"Sample channel {c + 1} has {bytes.Length} bytes: a whole number of floats, as many as channel 1.");
                        }

                        channels[c] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                    }

                    reader.EnsureEnd(type);
                    visitor.Visit(new LoadSampleCommand(name, channels, sampleRate));
                    return true;
                }

            case EngineMessage.BindController:
                {
                    int lane = reader.ReadInt32("lane");
                    string node = reader.ReadString("node id", names);
                    string parameter = reader.ReadString("parameter name", names);
                    double min = reader.ReadDouble("minimum");
                    double max = reader.ReadDouble("maximum");
                    byte curve = reader.ReadByte("curve");
                    double smoothingMs = reader.ReadDouble("smoothing ms");
                    bool soft = reader.ReadByte("soft takeover") != 0;
                    reader.EnsureEnd(type);
                    visitor.Visit(new BindControllerCommand(node.Length == 0
                        ? Live.ControllerLane.Free(lane)
                        : new Live.ControllerLane(lane, node, parameter, min, max, (Live.ControllerCurve)curve, smoothingMs, soft)));
                    return true;
                }

            case EngineMessage.MoveController:
                {
                    int lane = reader.ReadInt32("lane");
                    double position = reader.ReadDouble("position");
                    long atSample = reader.ReadInt64("sample");
                    long arrivalNs = reader.ReadInt64("arrival time");
                    reader.EnsureEnd(type);
                    visitor.Visit(new MoveControllerCommand(lane, position, atSample, MonotonicTime.FromNanoseconds(arrivalNs)));
                    return true;
                }

            case EngineMessage.Transport:
                {
                    byte playing = reader.ReadByte("playing");
                    reader.EnsureEnd(type);
                    if (playing > 1)
                    {
                        throw new EngineProtocolException($"Transport's switch is 0 (stop) or 1 (play), not {playing}.");
                    }

                    visitor.Visit(new TransportCommand(playing == 1));
                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>A sample the protocol can carry: 1..8 channels of equal length, within a frame.</summary>
    private static void CheckSample(in LoadSampleCommand sample)
    {
        ArgumentException.ThrowIfNullOrEmpty(sample.Name);
        ArgumentNullException.ThrowIfNull(sample.Channels);
        IReadOnlyList<float[]> channels = sample.Channels;
        if (channels.Count is < 1 or > EngineProtocol.MaxSampleChannels || channels.Any(c => c.Length != channels[0].Length))
        {
            throw new ArgumentException($"A sample has 1..{EngineProtocol.MaxSampleChannels} channels of equal length.", nameof(sample));
        }

        long bytes = (long)channels.Count * channels[0].Length * sizeof(float);
        if (bytes > EngineProtocol.MaxFrameBytes - 4096)
        {
            throw new ArgumentException($"The sample '{sample.Name}' is {bytes / 1e6:0.0} MB; the engine protocol carries at most {EngineProtocol.MaxFrameBytes / 1e6:0.0} MB in a message. Trim it or lower its sample rate.", nameof(sample));
        }
    }
}

/// <summary>What <see cref="CommandCodec.TryRead"/> hands each command it reads to, as its own record type.</summary>
public interface ICommandVisitor
{
    void Visit<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand;
}
