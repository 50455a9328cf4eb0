using System.Runtime.CompilerServices;
using LiveEngine.Hosts.Offline;
using LiveEngine.Hosts.Wav;
using LiveEngine.Live;

namespace LiveEngine.Lua.Tests;

/// <summary>Every piece in examples/ renders through the path `liveengine render x.lua` takes.</summary>
public sealed class ExampleTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(RepositoryPath("examples"), "*.lua").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void ExamplesFolder_HoldsAtLeastFivePieces() => Assert.True(Examples().Count >= 5, $"examples/ holds {Examples().Count} Lua pieces.");

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_RendersTwoSeconds_NonSilentAndFinite(string name)
    {
        string wav = Path.Combine(Path.GetTempPath(), $"liveengine-lua-{name}-{Environment.ProcessId}.wav");
        try
        {
            var diagnostics = new List<string>();
            LiveSession session = LuaPiece.CreateSession();
            using var piece = new LuaPiece(RepositoryPath(Path.Combine("examples", name)));
            piece.Diagnostics += diagnostics.Add;
            OfflinePieceRenderer.Render(piece, session, 2 * 48_000, 128, wav, WavSampleFormat.Float32);

            WavFile file = WavFile.Read(wav);
            Assert.Equal(2 * 48_000, file.Frames);
            Assert.Empty(diagnostics);
            double energy = 0;
            foreach (float[] channel in file.Channels)
            {
                foreach (float x in channel)
                {
                    Assert.True(float.IsFinite(x), $"{name}: a sample is not finite.");
                    energy += x * x;
                }
            }

            double rms = Math.Sqrt(energy / (file.Frames * file.ChannelCount));
            Assert.True(rms > 0.005, $"{name}: RMS {rms} over two seconds is (nearly) silence.");
        }
        finally
        {
            File.Delete(wav);
        }
    }

    [Theory]
    [InlineData("generative.lua")]
    [InlineData("techno.lua")]
    public void Example_RenderedTwiceWithTheSameSeed_IsBitIdentical(string name)
    {
        string path = RepositoryPath(Path.Combine("examples", name));
        float[][] first;
        float[][] second;
        using (var piece = new LuaPiece(path))
        {
            first = LuaTestHost.Render(piece, 3 * 48_000);
        }

        using (var piece = new LuaPiece(path))
        {
            second = LuaTestHost.Render(piece, 3 * 48_000);
        }

        AssertIdentical(first, second);
    }

    [Theory]
    [InlineData("generative.lua")]
    [InlineData("techno.lua")]
    public void Example_RenderedInOtherBlockSizes_IsBitIdentical(string name)
    {
        string path = RepositoryPath(Path.Combine("examples", name));
        LiveSessionOptions options = LuaTestHost.Options(); // crossfades on: the swap after a fade lands on a fixed sample
        float[][] first;
        float[][] second;
        using (var piece = new LuaPiece(path))
        {
            first = LuaTestHost.Render(piece, 3 * 48_000, options);
        }

        using (var piece = new LuaPiece(path))
        {
            second = LuaTestHost.Render(piece, 3 * 48_000, options, blockFrames: 97);
        }

        AssertIdentical(first, second);
    }

    private static void AssertIdentical(float[][] first, float[][] second)
    {
        for (int c = 0; c < first.Length; c++)
        {
            Assert.True(first[c].AsSpan().SequenceEqual(second[c]), $"channel {c} differs between the two renders");
        }
    }

    [Fact]
    public void GenerativePiece_WithAnotherSeed_PlaysOtherNotes()
    {
        string path = RepositoryPath(Path.Combine("examples", "generative.lua"));
        float[][] first;
        float[][] second;
        using (var piece = new LuaPiece(path))
        {
            first = LuaTestHost.Render(piece, 2 * 48_000);
        }

        using (var piece = new LuaPiece(path))
        {
            second = LuaTestHost.Render(piece, 2 * 48_000, LuaTestHost.Options() with { Seed = 42 });
        }

        Assert.False(first[0].AsSpan().SequenceEqual(second[0]));
    }

    /// <summary>A path in the repository, found from this source file's own path (the tests may run from any artifacts folder).</summary>
    internal static string RepositoryPath(string relative, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", relative);
}
