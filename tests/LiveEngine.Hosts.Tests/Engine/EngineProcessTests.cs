using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Hosts.Engine;
using LiveEngine.Tests.Hosts.Drivers;
using LiveEngine.Time;

namespace LiveEngine.Tests.Hosts.Engine;

/// <summary>The engine in its own process (this test assembly's Main), on the null driver, driven over its socket.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class EngineProcessTests
{
    [Fact]
    public void FrontGoesAway_NewFrontReattaches_SeesTheSameGraph_WithThePositionStillAdvancing()
    {
        string socketPath = EngineProcess.NewSocketPath();
        EngineClient first = EngineProcess.Launch(socketPath, "--driver", "null");
        System.Diagnostics.Process engineProcess = first.Process!;
        try
        {
            GraphDescription graph = EngineSoak.DefaultGraph();
            first.Commit(graph, Quantization.Now);
            first.SetParameter("amp", "level", 0.75, Quantization.Now);
            first.SetVariable("intensity", 3);
            long positionBefore = first.GetClock().Position;
            first.Dispose();

            Thread.Sleep(300);
            Assert.False(engineProcess.HasExited, "the engine must keep playing when its front goes away");
            using EngineClient second = EngineClient.Connect(socketPath, "restarted front");
            Assert.Equal(engineProcess.Id, second.Info.ProcessId);
            GraphDescription seen = second.GetGraph();
            graph.Nodes.Single(n => n.Id == "amp").Parameters["level"] = 0.75;
            Assert.Equal(graph.ToJson(), seen.ToJson());

            long p1 = second.GetClock().Position;
            Thread.Sleep(200);
            long p2 = second.GetClock().Position;
            // 300 ms without a front, then 200 ms more: the null driver renders 48 frames per ms in real time.
            Assert.True(p1 - positionBefore >= 300 * 48 * 0.8, $"the position advanced {p1 - positionBefore} frames in 300 ms without a front");
            Assert.InRange(p2 - p1, 200 * 48 * 0.8, 200 * 48 * 1.3);
            second.Shutdown();
            Assert.True(engineProcess.WaitForExit(10_000), "the engine process exits on a shutdown request");
            Assert.Equal(0, engineProcess.ExitCode);
            Assert.False(File.Exists(socketPath), "the engine removes its socket when it stops");
        }
        finally
        {
            EngineProcess.Stop(engineProcess);
        }
    }

    /// <summary>
    /// The short soak: 5 s with an edit every 0.5 s and a parameter change at 100 Hz. Bound: 300 KB allocated by the
    /// engine process per edit, the 50 parameter changes between two edits included (measured: 80-135 KB per edit,
    /// whose snapshot compiles; parameter changes allocate nothing), no collection at all, and an audio thread
    /// that allocates nothing.
    /// </summary>
    [Fact]
    public void ShortSoak_EngineProcessAllocatesUnderTheBoundPerEdit_AndNothingOnItsAudioThread()
    {
        string socketPath = EngineProcess.NewSocketPath();
        using EngineClient engine = EngineProcess.Launch(socketPath, "--driver", "null");
        try
        {
            GraphDescription graph = EngineSoak.DefaultGraph();
            SoakReport report = EngineSoak.Run(engine, graph, "amp", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));

            Assert.InRange(report.Edits, 9, 10);
            Assert.InRange(report.ParameterChanges, 450, 501);
            Assert.True(report.AllocatedBytes < 300_000L * report.Edits, $"the engine allocated {report.AllocatedBytes} bytes over {report.Edits} edits and {report.ParameterChanges} parameter changes");
            Assert.Equal(0, report.Gen0);
            Assert.Equal(0, report.After.AudioThreadAllocatedBytes);
            Assert.InRange(report.PositionAdvance, 5 * 48_000 * 0.9, 5 * 48_000 * 1.05);
            Assert.Empty(report.After.FaultedNodes);
            engine.Shutdown();
        }
        finally
        {
            EngineProcess.Stop(engine.Process);
        }
    }
}
