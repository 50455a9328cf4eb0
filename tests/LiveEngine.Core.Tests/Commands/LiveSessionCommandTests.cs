using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Tests.Commands;

/// <summary>Commands as records executed by the one session that gives them their meaning.</summary>
public sealed class LiveSessionCommandTests
{
    private static GraphDescription Constant(string id, double value)
    {
        var graph = new GraphDescription();
        graph.Add(id, "const", new Dictionary<string, double> { ["value"] = value });
        graph.Add("out", "out", channels: 1);
        graph.Connect(id, "out");
        return graph;
    }

    private static LiveSession NewSession() =>
        new(TestNodes.CreateRegistry(), Constant("a", 0.25), new LiveSessionOptions { MaxBlockFrames = 128, OutputChannels = 1, CrossfadeMs = 0 });

    [Fact]
    public void Commit_ReceiptHasTheCommitSampleAndItsNumber_AndUndoOfNothingHasNoSample()
    {
        LiveSession session = NewSession();
        session.Renderer.Render(100);
        CommandReceipt first = session.Execute(new CommitCommand(Constant("b", 0.5), Quantization.NextBar));
        CommandReceipt second = session.Execute(new CommitCommand(Constant("c", 0.75), Quantization.NextBeat));

        Assert.Equal(96_000, first.Sample);
        Assert.Equal(first.CommitId + 1, second.CommitId);
        Assert.True(session.Execute(new UndoCommand(Quantization.Now)).HasSample);
        Assert.True(session.Execute(new UndoCommand(Quantization.Now)).HasSample);
        CommandReceipt nothing = session.Execute(new UndoCommand(Quantization.Now));
        Assert.False(nothing.HasSample);
        Assert.Equal(-1, nothing.Sample);
    }

    [Fact]
    public void PatchCommit_AddsAndReplacesNodes_KeepingTheOutputAndTheRest()
    {
        LiveSession session = NewSession();
        var patch = new GraphDescription();
        patch.Add("b", "const", new Dictionary<string, double> { ["value"] = 0.125 });
        patch.Add("a", "const", new Dictionary<string, double> { ["value"] = 0.5 });
        patch.Add("out", "out", channels: 1);
        patch.Connect("b", "out");

        session.Execute(new CommitCommand(patch, Quantization.Now, Patch: true));

        GraphDescription graph = session.Graph;
        Assert.Equal(["a", "out", "b"], graph.Nodes.Select(n => n.Id));
        Assert.Equal(0.5, graph.Nodes[0].Parameters["value"]);
        Assert.Equal(["a.out -> out.in", "b.out -> out.in"], graph.Edges.Select(e => e.ToString()));
    }

    [Fact]
    public void TriggerAndRamp_ReceiptsCarryBothEnds()
    {
        LiveSession session = NewSession();
        CommandReceipt trigger = session.Execute(new TriggerCommand("a", "value", Quantization.NextBeat, Fraction.Create(1, 2), 1, 0));
        Assert.Equal(12_000, trigger.EndSample - trigger.Sample);

        CommandReceipt ramp = session.Execute(new RampTempoCommand(60, 4, Quantization.NextBar));
        Assert.Equal(session.Clock.RampSamplesFrom(ramp.Sample), ramp.EndSample - ramp.Sample);
    }

    [Fact]
    public void ATempoChangeAskedForNow_LandsAfterARampAlreadyScheduled()
    {
        // A Link correction schedules ramps ahead of the audio position; a tempo typed meanwhile lands where they end.
        LiveSession session = NewSession();
        CommandReceipt ramp = session.Execute(new RampTempoCommand(130, 2, Quantization.AtBeat(1)));
        Assert.Equal(ramp.EndSample, session.Clock.LastChangeSample);

        CommandReceipt now = session.Execute(new SetTempoCommand(140, Quantization.Now));
        Assert.Equal(ramp.EndSample, now.Sample);
        Assert.Equal(140, session.Clock.TempoAt(now.Sample));

        CommandReceipt next = session.Execute(new RampTempoCommand(100, 1, Quantization.Now));
        Assert.Equal(now.Sample, next.Sample);
    }

    [Fact]
    public void SetVariable_IsTheSessionsVariable_AndSampleLoadWithoutALibraryIsRefused()
    {
        LiveSession session = NewSession();
        session.Execute(new SetVariableCommand("cutoff", 1200));
        Assert.Equal(1200, session.Variables.Get("cutoff"));

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => session.LoadSample("kick", [new float[4]], 48_000));
        Assert.Equal("This session has no sample library (it was started without a sample loader).", refused.Message);
    }

    [Fact]
    public void ParameterCommand_AllocatesNothing()
    {
        LiveSession session = NewSession();
        for (int i = 0; i < 10; i++)
        {
            session.Execute(new SetParameterCommand("a", "value", 0.5, Quantization.Now));
            session.CollectRetired();
            session.Renderer.Render(64);
        }

        SteadyAllocation.AssertNone("100 parameter commands, each rendered", () =>
        {
            for (int i = 0; i < 100; i++)
            {
                session.Execute(new SetParameterCommand("a", "value", 0.5, Quantization.Now));
                session.Renderer.Render(64);
            }
        });
    }

    [Fact]
    public void CommandWhoseKindIsAnotherRecords_IsRefused_NotReinterpreted()
    {
        LiveSession session = NewSession();
        ArgumentException refused = Assert.Throws<ArgumentException>(() => session.Execute(new LyingCommand(42)));
        Assert.Equal("LyingCommand claims the kind of SetVariableCommand: a command's Kind must name its own record.", refused.Message);
    }

    private readonly record struct LyingCommand(long Payload) : ILiveCommand
    {
        public CommandKind Kind => CommandKind.SetVariable;
    }
}
