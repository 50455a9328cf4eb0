using LiveEngine.Nodes;

namespace LiveEngine.Tests;

/// <summary>Small node types for testing the compiler and executors without the DSP layer.</summary>
internal static class TestNodes
{
    public static NodeTypeRegistry CreateRegistry()
    {
        var registry = new NodeTypeRegistry();
        registry.Register(new NodeTypeDescriptor(
            "const", "Outputs its value parameter.", [], [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("value", -1e9f, 1e9f, 1, "")], static () => new ConstNode()));
        registry.Register(new NodeTypeDescriptor(
            "ramp", "Outputs the stream position times scale: block-size independent by construction.", [], [PortDescriptor.Mono("out")],
            [new ParameterDescriptor("scale", -1, 1, 1e-3f, "")], static () => new RampNode()));
        registry.Register(new NodeTypeDescriptor(
            "impulse", "A single 1 at frame 0.", [], [PortDescriptor.Mono("out")], [], static () => new ImpulseNode()));
        registry.Register(new NodeTypeDescriptor(
            "scale", "Multiplies its input by factor.", [PortDescriptor.PerNode("in")], [PortDescriptor.PerNode("out")],
            [new ParameterDescriptor("factor", -10, 10, 1, "")], static () => new ScaleNode(), costNsPerFrame: 2));
        registry.Register(new NodeTypeDescriptor(
            "stereo", "Copies a mono input to both channels.", [PortDescriptor.Mono("in")], [PortDescriptor.Stereo("out")], [], static () => new StereoNode()));
        registry.Register(new NodeTypeDescriptor(
            "add2", "Adds inputs a and b.", [PortDescriptor.Mono("a"), PortDescriptor.Mono("b")], [PortDescriptor.Mono("out")], [], static () => new Add2Node()));
        registry.Register(new NodeTypeDescriptor(
            "thrower", "Throws in Process after the given block.", [PortDescriptor.Mono("in")], [PortDescriptor.Mono("out")],
            [new ParameterDescriptor("afterBlocks", 0, 1000, 0, "")], static () => new ThrowerNode()));
        registry.Register(new NodeTypeDescriptor(
            "stuck", "Copies its input, but spins for as long as StuckNode.Hold is set when run off the exempt thread.",
            [PortDescriptor.Mono("in")], [PortDescriptor.Mono("out")], [], static () => new StuckNode(), flags: NodeTypeFlags.Untrusted));
        registry.Register(new NodeTypeDescriptor(
            "busy", "Outputs silence after spinning 300 µs when run on StuckNode's exempt thread; ranks first (high cost).",
            [], [PortDescriptor.Mono("out")], [], static () => new BusyNode(), costNsPerFrame: 1000));
        return registry;
    }

    /// <summary>Keeps worker 0 busy so that another worker picks up the rest of the block.</summary>
    internal sealed class BusyNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            if (Environment.CurrentManagedThreadId == StuckNode.ExemptThreadId)
            {
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + (System.Diagnostics.Stopwatch.Frequency / 3333);
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(10);
                }
            }

            context.Output(0).Clear();
        }
    }

    /// <summary>A node that never returns while held: the watchdog's test subject.</summary>
    internal sealed class StuckNode : AudioNode
    {
        public static volatile bool Hold;
        public static volatile int ExemptThreadId;

        public override void Process(in ProcessContext context)
        {
            while (Hold && Environment.CurrentManagedThreadId != ExemptThreadId)
            {
                Thread.SpinWait(100);
            }

            context.Input(0).CopyTo(context.Output(0));
        }
    }

    private sealed class ConstNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            for (int c = 0; c < context.OutputChannelCount; c++)
            {
                context.Output(c).Fill(context.Parameters[0]);
            }
        }
    }

    private sealed class RampNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            Span<float> output = context.Output(0);
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = (context.SampleTime + i) * context.Parameters[0];
            }
        }
    }

    private sealed class ImpulseNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            Span<float> output = context.Output(0);
            output.Clear();
            if (context.SampleTime == 0)
            {
                output[0] = 1;
            }
        }
    }

    private sealed class ScaleNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            for (int c = 0; c < context.OutputChannelCount; c++)
            {
                ReadOnlySpan<float> input = context.Input(c);
                Span<float> output = context.Output(c);
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = input[i] * context.Parameters[0];
                }
            }
        }
    }

    private sealed class StereoNode : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            context.Input(0).CopyTo(context.Output(0));
            context.Input(0).CopyTo(context.Output(1));
        }
    }

    private sealed class Add2Node : AudioNode
    {
        public override void Process(in ProcessContext context)
        {
            ReadOnlySpan<float> a = context.Input(0);
            ReadOnlySpan<float> b = context.Input(1);
            Span<float> output = context.Output(0);
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = a[i] + b[i];
            }
        }
    }

    private sealed class ThrowerNode : AudioNode
    {
        private int _blocks;

        public override void Process(in ProcessContext context)
        {
            if (_blocks++ >= context.Parameters[0])
            {
                throw new InvalidOperationException("test node failure");
            }

            context.Input(0).CopyTo(context.Output(0));
        }
    }
}
