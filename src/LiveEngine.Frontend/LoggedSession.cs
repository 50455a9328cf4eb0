using System.Text.Json.Nodes;
using LiveEngine.Commands;
using LiveEngine.Control;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Frontend;

/// <summary>
/// A performance's session as the parts that act on it without typing see it (OSC, SuperDirt, the stage view): the
/// same <see cref="ILiveSession"/>, with every command that changes what plays written to the session log before it
/// runs, so that <c>liveengine replay</c> reproduces it. Commits, parameters, triggers, tempo and variables are
/// logged; a parameter or trigger set at a beat (an OSC bundle's time tag) is logged with that beat, so the replay
/// lands it on the same sample. Commands that change nothing a replay hears (admission, sample loads, whose files
/// the log names separately) pass through unlogged.
/// </summary>
/// <remarks>One lock orders the log and the session alike: an action logged before another runs before it.</remarks>
public sealed class LoggedSession : ILiveSession
{
    private readonly ILiveSession _session;
    private readonly Func<SessionLog?> _log;
    private readonly object _gate;

    internal LoggedSession(ILiveSession session, Func<SessionLog?> log, object gate)
    {
        _session = session;
        _log = log;
        _gate = gate;
    }

    public LiveSessionOptions Options => _session.Options;

    public TempoMap Clock => _session.Clock;

    public NamedVariables Variables => _session.Variables;

    public GraphDescription Graph => _session.Graph;

    public int UndoDepth => _session.UndoDepth;

    public long Position => _session.Position;

    public int OutputChannels => _session.OutputChannels;

    public void Maintain() => _session.Maintain();

    public IReadOnlyList<NodeFaultReport> Faults() => _session.Faults();

    public CommandReceipt Execute<TCommand>(in TCommand command)
        where TCommand : struct, ILiveCommand
    {
        lock (_gate)
        {
            if (_log() is { } log && EntryFor(command, _session.Position) is { } entry)
            {
                log.Append(entry);
            }

            return _session.Execute(command);
        }
    }

    /// <summary>The log line of <paramref name="command"/>, or null for a command a replay does not need.</summary>
    internal static SessionLogEntry? EntryFor<TCommand>(in TCommand command, long position)
        where TCommand : struct, ILiveCommand
    {
        switch (command.Kind)
        {
            case CommandKind.Commit:
                {
                    CommitCommand commit = CommandCast.As<TCommand, CommitCommand>(command);
                    return new SessionLogEntry
                    {
                        Kind = "commit",
                        Position = position,
                        Graph = JsonNode.Parse(commit.Graph.ToJson()),
                        Quantize = commit.When.ToString(),
                        Patch = commit.Patch ? true : null,
                    };
                }

            case CommandKind.SetParameter:
                {
                    SetParameterCommand set = CommandCast.As<TCommand, SetParameterCommand>(command);
                    return new SessionLogEntry { Kind = "param", Position = position, Node = set.NodeId, Parameter = set.Parameter, Value = set.Value, Quantize = set.When.ToString() };
                }

            case CommandKind.Trigger:
                {
                    TriggerCommand trigger = CommandCast.As<TCommand, TriggerCommand>(command);
                    return new SessionLogEntry
                    {
                        Kind = "trigger",
                        Position = position,
                        Node = trigger.NodeId,
                        Parameter = trigger.Parameter,
                        Value = trigger.On,
                        Off = trigger.Off,
                        Length = trigger.LengthBeats.ToString(),
                        Quantize = trigger.When.ToString(),
                    };
                }

            case CommandKind.SetTempo:
                {
                    SetTempoCommand tempo = CommandCast.As<TCommand, SetTempoCommand>(command);
                    return new SessionLogEntry { Kind = "tempo", Position = position, Tempo = tempo.Bpm.ToString(), BeatsPerBar = tempo.BeatsPerBar, Quantize = tempo.When.ToString() };
                }

            case CommandKind.RampTempo:
                {
                    RampTempoCommand ramp = CommandCast.As<TCommand, RampTempoCommand>(command);
                    return new SessionLogEntry { Kind = "ramp", Position = position, Tempo = ramp.Bpm.ToString(), Length = ramp.LengthBeats.ToString(), Quantize = ramp.When.ToString() };
                }

            case CommandKind.Undo:
                return new SessionLogEntry { Kind = "undo", Position = position, Quantize = CommandCast.As<TCommand, UndoCommand>(command).When.ToString() };

            case CommandKind.SetVariable:
                {
                    SetVariableCommand set = CommandCast.As<TCommand, SetVariableCommand>(command);
                    return new SessionLogEntry { Kind = "var", Position = position, Name = set.Name, Value = set.Value };
                }

            default:
                return null;
        }
    }
}
