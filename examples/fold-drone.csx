// A drone through a wavefolder written in C#, its drive and cutoff walking bar by bar.
// liveengine render examples/fold-drone.csx --seconds 30 --out fold-drone.wav

// A DSP node type of our own: admitted only after it has warmed up, allocated nothing and stayed finite.
[Node("fold", Description = "Sine wavefolder: out = sin(drive × in) × makeup")]
[Param("drive", 0.1f, 20, 2, Description = "How far the input is folded; 1 is almost clean.")]
[Param("makeup", 0, 2, 0.7f)]
class Fold : UserNode
{
    protected override void Render(in ProcessContext context)
    {
        float drive = context.Parameters[0];
        float makeup = context.Parameters[1];
        for (int c = 0; c < context.OutputChannelCount; c++)
        {
            ReadOnlySpan<float> input = context.Input(c);
            Span<float> output = context.Output(c);
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = MathF.Sin(drive * input[i]) * makeup;
            }
        }
    }
}

double root = 55;
double[] ratios = [1, 1.5, 4.0 / 3, 1.2, 1, 1.5, 1.125, 0.75];

Graph()
    .Add("osc", "triangle", ("freqHz", root), ("level", 0.9))
    .Add("fifth", "sine", ("freqHz", root * 3), ("level", 0.25))
    .Add("fold", "fold", ("drive", 1.5))
    .Add("lp", "rlpf", ("cutoffHz", 900), ("q", 2.5))
    .Add("pan", "pan", ("pan", -0.2))
    .Add("verb", "reverb", ("decaySec", 5), ("mix", 0.3))
    .Add("master", "master", 2, ("ceilingDb", -1))
    .Connect("fifth", "fold")
    .Chain("osc", "fold", "lp", "pan", "verb", "master", "out")
    .Commit(Now);

// Ahead of the audio, for every bar: a new root, more drive, the filter opening and closing.
EveryBar(bar =>
{
    double hz = root * ratios[bar % ratios.Length];
    Set("osc", "freqHz", hz, AtBar(bar));
    Set("fifth", "freqHz", hz * 3, AtBar(bar));
    Set("fold", "drive", 1.5 + (bar % 4) * 1.8, AtBar(bar));
    Set("lp", "cutoffHz", 700 + 500 * (bar % 3), AtBar(bar, Beats(2)));
});
