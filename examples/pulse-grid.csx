// A pulsing grid of enveloped voices with a C# pattern and a user-defined bit-crusher on the bus.
// liveengine render examples/pulse-grid.csx --seconds 30 --out pulse-grid.wav

[Node("crush", Inputs = new[] { "in" }, Outputs = new[] { "out" }, Channels = 2, Description = "Sample-and-hold decimator with bit reduction")]
[Param("hold", 1, 64, 4, Unit = "frames")]
[Param("bits", 2, 16, 8)]
class Crush : UserNode
{
    private float[] _held = new float[0];
    private int _count;

    protected override void Setup(in PrepareContext context) => _held = new float[context.Channels];

    protected override void Render(in ProcessContext context)
    {
        int hold = (int)context.Parameters[0];
        float steps = MathF.Pow(2, context.Parameters[1] - 1);
        int channels = context.OutputChannelCount;
        int count = _count;
        for (int i = 0; i < context.Frames; i++)
        {
            bool sample = count == 0;
            for (int c = 0; c < channels; c++)
            {
                if (sample)
                {
                    _held[c] = MathF.Round(context.Input(c)[i] * steps) / steps;
                }

                context.Output(c)[i] = _held[c];
            }

            count = (count + 1) % hold;
        }

        _count = count;
    }
}

int[] scale = [0, 3, 5, 7, 10, 12, 15];
double Hz(int semitones) => 110 * Math.Pow(2, semitones / 12.0);

var g = Graph()
    .Add("crush", "crush", ("hold", 2), ("bits", 10))
    .Add("echo", "delay", 2, ("delayMs", 375), ("feedback", 0.4), ("mix", 0.25))
    .Add("master", "master", 2, ("ceilingDb", -1))
    .Chain("crush", "echo", "master", "out");
for (int v = 0; v < 4; v++)
{
    g.Add($"osc{v}", "saw", ("freqHz", Hz(scale[v])), ("level", 0.2))
     .Add($"lp{v}", "rlpf", ("cutoffHz", 1500), ("q", 4))
     .Add($"env{v}", "adsr", ("attackMs", 2), ("decayMs", 120), ("sustain", 0.2), ("releaseMs", 150), ("gate", 0))
     .Add($"vca{v}", "vca")
     .Add($"pan{v}", "pan", ("pan", -0.75 + v * 0.5))
     .Chain($"osc{v}", $"lp{v}", $"vca{v}", $"pan{v}", "crush")
     .Connect($"env{v}", $"vca{v}", toPort: "cv");
}

g.Commit(Now);

// Each bar: sixteenth-note triggers from a seeded pattern; every fourth bar the crusher bites harder.
EveryBar(bar =>
{
    for (int step = 0; step < 16; step++)
    {
        int v = (step * 3 + (int)bar) % 4;
        if (Rand.NextDouble() < 0.55)
        {
            Set($"osc{v}", "freqHz", Hz(scale[Rand.Next(scale.Length)]), AtBar(bar, Beats(step, 4)));
            Trigger($"env{v}", AtBar(bar, Beats(step, 4)), Beats(1, 8));
        }
    }

    Set("crush", "bits", bar % 4 == 3 ? 5 : 10, AtBar(bar));
    Set("crush", "hold", bar % 4 == 3 ? 6 : 2, AtBar(bar));
});
