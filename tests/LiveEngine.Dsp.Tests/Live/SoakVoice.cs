using LiveEngine.Graph;

namespace LiveEngine.Tests.Dsp.Live;

/// <summary>The voice that <c>liveengine engine soak</c> adds and removes in turn (<c>EngineSoak.Run</c>), for tests that commit its edits in process.</summary>
internal static class SoakVoice
{
    /// <summary>A copy of <paramref name="graph"/> with the soak's voice (a sine through a pan) into its <c>out</c>.</summary>
    public static GraphDescription AddedTo(GraphDescription graph)
    {
        GraphDescription withVoice = graph.Clone();
        withVoice.Add("soak-osc", "sine", new Dictionary<string, double> { ["freqHz"] = 330, ["level"] = 0.05 });
        withVoice.Add("soak-pan", "pan");
        withVoice.Chain("soak-osc", "soak-pan", "out");
        return withVoice;
    }
}
