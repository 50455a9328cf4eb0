using ILGPU;
using LiveEngine.Dsp;
using LiveEngine.Dsp.Convolution;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Graph;
using LiveEngine.Live;
using LiveEngine.Nodes;
using Xunit.Abstractions;

namespace LiveEngine.Gpu.Tests;

/// <summary>
/// The GPU placement through a real render: a live session with render-ahead, two convolution nodes with long responses,
/// their long partitions placed on ILGPU's CPU accelerator and batched into one launch per deferred block.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class GpuConvolutionPlacementTests(ITestOutputHelper output)
{
    private const int SampleRate = 48_000;
    private const int Device = 256;
    private const int Deferred = 1_024;

    // Equality, not speed: a loaded CI machine must not push the CPU accelerator past its time limit.
    private const double PatientTimeoutMs = 60_000;

    private static readonly Lazy<bool> s_responses = new(() =>
    {
        // A mono and a stereo response, 0.9 s and 0.75 s: partitions of 1,024, 4,096 and 16,384 frames behind the head.
        SampleLibrary.Shared.Add("gpu-place-mono", [Noise(43_000, seed: 11, decayFrames: 9_000)], SampleRate);
        SampleLibrary.Shared.Add("gpu-place-stereo", [Noise(36_000, seed: 12, decayFrames: 8_000), Noise(36_000, seed: 13, decayFrames: 7_000)], SampleRate);
        SampleLibrary.Shared.Add("gpu-place-stereo-2", [Noise(36_000, seed: 14, decayFrames: 6_000), Noise(36_000, seed: 15, decayFrames: 9_000)], SampleRate);
        return true;
    });

    [Fact]
    public void TwoConvolutionNodes_PlacedOnTheCpuAccelerator_SoundAsOnTheCpu_InOneLaunchPerDeferredBlock()
    {
        float[][] cpu = Render(placement: null, frames: 4 * SampleRate, out _);

        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] gpu = Render(placement, frames: 4 * SampleRate, out LiveSession session);

        output.WriteLine($"{placement.PlacedLevels} levels placed, {placement.Launches} launches, {placement.Collects} periods from the accelerator; launch {placement.LaunchCostNs / 1000:F0} us, CPU {placement.CpuNsPerBin:F2} ns/bin");
        Assert.False(placement.Failed, placement.FailureReason);

        // Three levels (1,024, 4,096, 16,384) per node; the stereo node's two paths share its levels.
        Assert.Equal(6, placement.PlacedLevels);

        // One launch per deferred block that had a submission: every block submits the 1,024-frame levels, so about one
        // launch per block; each launch serves the levels of both nodes (more collects than launches).
        long blocks = 4 * SampleRate / Deferred;
        Assert.InRange(placement.Launches, blocks / 2, blocks + 8);
        Assert.True(placement.Collects > placement.Launches, $"{placement.Collects} collects from {placement.Launches} launches: the levels of the two nodes did not share launches.");
        Assert.Equal(0, session.Renderer.RenderAheadUnderruns);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void ALaunchThatFails_FallsBackToTheCpuForGood_WithTheSameOutput()
    {
        float[][] cpu = Render(placement: null, frames: 3 * SampleRate, out _);

        int launches = 0;
        using GpuConvolutionPlacement placement = CreatePlacement();
        placement.BeforeLaunch = () =>
        {
            if (++launches > 40)
            {
                throw new InvalidOperationException("the device was lost (forced by the test)");
            }
        };
        float[][] gpu = Render(placement, frames: 3 * SampleRate, out _);

        output.WriteLine($"{placement.Launches} launches, then: {placement.FailureReason}");
        Assert.True(placement.Failed);
        Assert.Contains("the device was lost", placement.FailureReason);
        Assert.Equal(40, placement.Launches);
        Assert.True(placement.Collects > 0);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void ALaunchThatHangs_IsAbandonedAfterTheTimeout_AndTheOutputIsUnchanged()
    {
        float[][] cpu = Render(placement: null, frames: 2 * SampleRate, out _);

        int launches = 0;
        using var hang = new ManualResetEventSlim(false);
        using GpuConvolutionPlacement placement = CreatePlacement(timeoutMs: 2_000);
        placement.BeforeLaunch = () =>
        {
            if (++launches == 10)
            {
                hang.Wait();
            }
        };
        float[][] gpu = Render(placement, frames: 2 * SampleRate, out _);
        hang.Set();

        output.WriteLine($"{placement.Launches} launches, then: {placement.FailureReason}");
        Assert.True(placement.Failed);
        Assert.Contains("abandoned", placement.FailureReason);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void AnEditThatReplacesAConvolution_MovesItsPlaceToTheNewNode_AndTheTailRingsOnAsOnTheCpu()
    {
        // Two seconds in, the stereo node gets another response of the same shape: a new node that takes over the old
        // one's state, and its levels take over the old one's places (the old ones are released, the layout rebuilt).
        float[][] cpu = Render(placement: null, frames: 4 * SampleRate, out _, out _, EditAtTwoSeconds);

        using GpuConvolutionPlacement placement = CreatePlacement();
        float[][] gpu = Render(placement, frames: 4 * SampleRate, out _, out _, EditAtTwoSeconds);

        output.WriteLine($"{placement.PlacedLevels} levels placed after the edit, {placement.Launches} launches, {placement.Collects} periods from the accelerator");
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.Equal(6, placement.PlacedLevels);
        Assert.True(placement.Launches > 150, $"{placement.Launches} launches: the placement stopped at the edit.");
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void InASplitGraph_TheDeferredConvolutionIsLaunched_TheLivePassRendersOnDuringTheLaunch_AndTheOutputIsTheCpus()
    {
        // The saw pinned live splits the graph: the saw and its convolution ("room") render in the live pass, one device
        // block ahead; the noise and its convolution ("hall") in the deferred pass. Only the deferred one's levels submit:
        // a launch after each deferred block, started without waiting, while the live pass goes on.
        float[][] cpu = Render(placement: null, frames: 2 * SampleRate, out _, out _, pinLive: true);

        using GpuConvolutionPlacement placement = CreatePlacement();
        LiveSession? playing = null;
        int launchesWithTheLivePassMoving = 0;
        int launchesSeen = 0;

        // Where the live pass stood when the render-ahead thread asked for the launch (read on that thread, after the
        // deferred block): read on the launcher thread instead, a loaded machine can start the launcher only after the
        // live pass has published all the block's frames, and nothing is left to move.
        long completeAtRequest = 0;
        var hook = new PositionAtRequest(placement, () => Volatile.Write(ref completeAtRequest, playing!.Renderer.CompletePosition));
        placement.BeforeLaunch = () =>
        {
            // Holds the launch until the live pass has published more frames: were it waiting on this launch, it never would.
            long complete = Volatile.Read(ref completeAtRequest);
            launchesSeen++;
            if (SpinWait.SpinUntil(() => playing!.Renderer.CompletePosition > complete, 1_000))
            {
                launchesWithTheLivePassMoving++;
            }
        };
        float[][] gpu = Render(placement, frames: 2 * SampleRate, out LiveSession session, out long audio, beforeStart: s => playing = s, pinLive: true, hook: hook);

        output.WriteLine($"{placement.DeferredBlocks} deferred blocks, {placement.Launches} launches ({launchesWithTheLivePassMoving} of {launchesSeen} with the live pass moving on), {placement.Collects} collects; audio thread {audio} B, render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} B");
        Assert.True(session.Renderer.Current.IsSplit);
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.True(placement.Launches > 40, $"{placement.Launches} launches: the split graph's deferred convolution was not launched.");

        // The launches of the last deferred blocks, rendered up to the look-ahead (100 ms: under five blocks) past the
        // end of the reads, see the live pass stand still (the reader is gone); every other one saw it move on.
        Assert.True(launchesWithTheLivePassMoving >= launchesSeen - 6, $"{launchesWithTheLivePassMoving} of {launchesSeen} launches saw the live pass move on: it waited for them.");

        // The deferred node's three levels only (1,024, 4,096, 16,384 frames): the live node's never submitted.
        int frames = 2 * SampleRate;
        Assert.InRange(placement.Collects, 1, (frames / 1_024) + (frames / 4_096) + (frames / 16_384) + 3);
        Assert.Equal(0, audio);
        Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
        AssertSame(cpu, gpu);
    }

    [Fact]
    public void WithGpuPlacement_TheAudioThreadAndTheRenderAheadThread_AllocateNothing()
    {
        using GpuConvolutionPlacement placement = CreatePlacement();
        Render(placement, frames: 8 * SampleRate, out LiveSession session, measureAudioThread: out long audio);

        output.WriteLine($"audio thread {audio} bytes over the second half; render-ahead thread {session.Renderer.RenderAheadAllocatedBytes} bytes after its warm-up; {placement.Launches} launches");
        Assert.False(placement.Failed, placement.FailureReason);
        Assert.True(placement.Launches > 100);
        Assert.Equal(0, audio);
        Assert.Equal(0, session.Renderer.RenderAheadAllocatedBytes);
    }

    [Fact]
    public void Placement_TakesOnlyPartitionsOfTheDeferredBlockOrMore_AndInAutoOnlyWhereALaunchCostsLessThanTheCpuWork()
    {
        using Context context = GpuAccelerators.CreateContext();
        using var forced = new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.CpuAccelerator, MinPartitionFrames = 1_024 });
        Assert.False(forced.ShouldPlace(256, 100, 2));
        Assert.True(forced.ShouldPlace(1_024, 1, 1));

        using var auto = new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.Auto, MinPartitionFrames = 1_024 });
        double cpuNsPerPartition = 16_385 * auto.CpuNsPerBin;
        int enough = (int)Math.Ceiling(auto.LaunchCostNs / cpuNsPerPartition);
        Assert.True(auto.ShouldPlace(16_384, enough, 1), $"launch {auto.LaunchCostNs} ns, {cpuNsPerPartition} ns of CPU per partition, {enough} partitions");
        if (enough > 1)
        {
            Assert.False(auto.ShouldPlace(16_384, enough - 1, 1));
        }

        // Off, and auto without a CUDA or OpenCL device (here), place nothing.
        Assert.Null(GpuConvolutionPlacement.Create(GpuMode.Off, 1_024, 50, out string off));
        Assert.Contains("off", off);
        if (context.Devices.All(d => d.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU))
        {
            Assert.Null(GpuConvolutionPlacement.Create(GpuMode.Auto, 1_024, 50, out string auto2));
            Assert.Contains("no CUDA or OpenCL device", auto2);
        }
    }

    private static GpuConvolutionPlacement CreatePlacement(double timeoutMs = PatientTimeoutMs)
    {
        Context context = GpuAccelerators.CreateContext();
        return new GpuConvolutionPlacement(context, GpuAccelerators.Cpu(context), new GpuPlacementOptions { Mode = GpuMode.CpuAccelerator, MinPartitionFrames = Deferred, TimeoutMs = timeoutMs }) { OwnsContext = true };
    }

    private static float[][] Render(GpuConvolutionPlacement? placement, int frames, out LiveSession session) =>
        Render(placement, frames, out session, out _);

    private static void EditAtTwoSeconds(LiveSession session)
    {
        GraphDescription edited = Graph();
        edited.Nodes.Single(n => n.Id == "room").Options[ConvolutionNode.ImpulseResponseOption] = "gpu-place-stereo-2";
        session.Commit(edited, Time.Quantization.AtBeat(4));
    }

    /// <summary>Renders the two-convolution graph through a live session with render-ahead, as <c>liveengine render --render-ahead on</c> does.</summary>
    private static float[][] Render(GpuConvolutionPlacement? placement, int frames, out LiveSession session, out long measureAudioThread, Action<LiveSession>? beforeStart = null, bool pinLive = false, IDeferredBlockHook? hook = null)
    {
        _ = s_responses.Value;
        NodeTypeRegistry registry = BuiltinNodeTypes.CreateRegistry();
        if (placement is not null)
        {
            IConvolutionOffload.Install(registry, placement);
        }

        GraphDescription graph = Graph();
        if (pinLive)
        {
            graph.Nodes.Single(n => n.Id == "saw").Options[Snapshots.GraphSnapshot.LiveOption] = "on";
        }

        session = new LiveSession(registry, graph, new LiveSessionOptions { SampleRate = SampleRate, MaxBlockFrames = Deferred, DeviceBlockFrames = Device, DeferredBlockFrames = Deferred });
        beforeStart?.Invoke(session);
        return RenderAheadReader.Read(session, hook ?? placement, frames, Device, out measureAudioThread);
    }

    /// <summary>Noise through a mono convolution, a saw through a stereo one.</summary>
    private static GraphDescription Graph() => GraphDescription.FromJson("""
            { "nodes": [ { "id": "noise", "type": "whitenoise" },
                         { "id": "saw", "type": "saw", "parameters": { "freqHz": 97 } },
                         { "id": "hall", "type": "convolution", "parameters": { "mix": 0.8 }, "options": { "ir": "gpu-place-mono" } },
                         { "id": "room", "type": "convolution", "channels": 2, "options": { "ir": "gpu-place-stereo" } },
                         { "id": "out", "type": "out" } ],
              "edges": [ { "from": "noise", "to": "hall" }, { "from": "saw", "to": "room" },
                         { "from": "hall", "to": "out" }, { "from": "room", "to": "out" } ] }
            """);

    /// <summary>The placement as the render-ahead thread's hook, calling <paramref name="requested"/> just before each block's launch request.</summary>
    private sealed class PositionAtRequest(IDeferredBlockHook inner, Action requested) : IDeferredBlockHook
    {
        public bool TryBeginDeferredBlock() => inner.TryBeginDeferredBlock();

        public void DeferredBlockRendered(bool split)
        {
            requested();
            inner.DeferredBlockRendered(split);
        }
    }

    /// <summary>Within 1e-5 relative RMS error per channel, and not silent.</summary>
    private void AssertSame(float[][] expected, float[][] actual)
    {
        for (int c = 0; c < expected.Length; c++)
        {
            double error = 0;
            double energy = 0;
            for (int i = 0; i < expected[c].Length; i++)
            {
                double d = actual[c][i] - expected[c][i];
                error += d * d;
                energy += (double)expected[c][i] * expected[c][i];
            }

            double relative = Math.Sqrt(error / energy);
            output.WriteLine($"channel {c}: relative RMS error {relative:E2}");
            Assert.True(energy > 1, $"Channel {c} is nearly silent: the comparison would prove nothing.");
            Assert.True(relative <= 1e-5, $"Channel {c}: relative RMS error {relative:E2} > 1e-5.");
        }
    }

    private static float[] Noise(int frames, int seed, int decayFrames)
    {
        var random = new Random(seed);
        var data = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            data[i] = (float)(((random.NextDouble() * 2) - 1) * Math.Exp(-6.9 * i / decayFrames));
        }

        return data;
    }
}
