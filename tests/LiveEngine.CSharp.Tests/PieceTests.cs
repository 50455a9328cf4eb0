using System.Runtime.CompilerServices;
using LiveEngine.Hosts.Offline;
using LiveEngine.Languages;
using LiveEngine.Live;

namespace LiveEngine.CSharp.Tests;

public sealed class PieceTests
{
    private static string Example(string name, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "examples", name);

    [Theory]
    [InlineData("fold-drone.csx")]
    [InlineData("pulse-grid.csx")]
    public void ExamplePiece_RendersFourBarsOfFiniteAudibleSound(string file)
    {
        // Default crossfades: triggers scheduled while a commit's crossfade runs are kept (pulse-grid's first bar sounds).
        (LiveSession session, CSharpPiece piece) = CSharpPiece.Open(Example(file), new LiveSessionOptions());
        using (piece)
        {
            var messages = new List<string>();
            piece.Diagnostics += messages.Add;
            double peak = 0;
            double energy = 0;
            long count = 0;
            bool finite = true;
            var perBar = new double[4];
            OfflinePieceRenderer.Render(piece, session, 4 * SessionFixture.BarFrames, 128, writer: null, onChunk: (chunk, frames) =>
            {
                for (int c = 0; c < chunk.Count; c++)
                {
                    for (int i = 0; i < frames; i++)
                    {
                        float s = chunk[c][i];
                        finite &= float.IsFinite(s);
                        peak = Math.Max(peak, Math.Abs(s));
                        energy += s * s;
                        perBar[Math.Min(3, (count + i) / SessionFixture.BarFrames)] += s * s;
                    }
                }

                count += frames;
            });

            Assert.Empty(messages);
            Assert.True(finite);
            Assert.InRange(peak, 0.05, 0.9);
            Assert.All(perBar, e => Assert.True(e > 1, $"a silent bar in {file}: {string.Join(", ", perBar)}"));
            Assert.Empty(piece.Workspace!.Faults());
        }
    }

    [Fact]
    public void APieceThatDoesNotCompile_FailsToStart_NamingFileLineAndColumn()
    {
        var registry = Dsp.BuiltinNodeTypes.CreateRegistry();
        var graph = new Graph.GraphDescription();
        graph.Add("out", "out");
        var session = new LiveSession(registry, graph);
        using var piece = new CSharpPiece("var a = 1;\nvar b = a +;\n", "broken.csx", registry);
        var error = Assert.Throws<InvalidOperationException>(() => piece.Start(session));
        Assert.Equal("broken.csx(2,12): error CS1525: Invalid expression term ';'", error.Message);
    }

    [Fact]
    public async Task AFailingBarCallback_IsReportedWithItsLine_AndTheOtherBarsStillRun()
    {
        var registry = Dsp.BuiltinNodeTypes.CreateRegistry();
        var graph = new Graph.GraphDescription();
        graph.Add("out", "out");
        var session = new LiveSession(registry, graph, new LiveSessionOptions { CrossfadeMs = 0 });
        const string code = """
            var bars = new List<long>();
            EveryBar(bar =>
            {
                if (bar == 1) throw new InvalidOperationException("bar one");
                bars.Add(bar);
            });
            bars
            """;
        using var piece = new CSharpPiece(code, "cb.csx", registry);
        var messages = new List<string>();
        piece.Diagnostics += messages.Add;
        OfflinePieceRenderer.Render(piece, session, 3 * SessionFixture.BarFrames, 128, writer: null);
        Assert.Equal(["cb.csx: bar 1: (4,19): error RUN: InvalidOperationException: bar one"], messages);
        Evaluation bars = await piece.Workspace!.EvaluateAsync("bars");
        Assert.Equal([0L, 2L, 3L], (List<long>)bars.Value!);
    }
}
