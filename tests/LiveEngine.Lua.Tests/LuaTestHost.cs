using LiveEngine.Hosts.Offline;
using LiveEngine.Live;
using LiveEngine.Time;

namespace LiveEngine.Lua.Tests;

/// <summary>Renders Lua pieces offline into memory for the tests.</summary>
internal static class LuaTestHost
{
    public static LiveSessionOptions Options(Fraction? tempo = null, int sampleRate = 48_000) => new()
    {
        SampleRate = sampleRate,
        MaxBlockFrames = 128,
        Tempo = tempo ?? 120,
    };

    /// <summary>Starts <paramref name="piece"/> on a fresh session and renders <paramref name="frames"/> frames; returns planar channels.</summary>
    public static float[][] Render(LuaPiece piece, long frames, LiveSessionOptions? options = null, int blockFrames = 128, List<string>? diagnostics = null)
    {
        LiveSession session = LuaPiece.CreateSession(options ?? Options());
        return Render(piece, session, frames, blockFrames, diagnostics);
    }

    public static float[][] Render(LuaPiece piece, LiveSession session, long frames, int blockFrames = 128, List<string>? diagnostics = null)
    {
        if (diagnostics is not null)
        {
            piece.Diagnostics += diagnostics.Add;
        }

        int channels = session.Renderer.OutputChannels;
        var result = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            result[c] = new float[frames];
        }

        long written = 0;
        OfflinePieceRenderer.Render(piece, session, frames, blockFrames, writer: null, onChunk: (chunk, count) =>
        {
            for (int c = 0; c < channels; c++)
            {
                Array.Copy(chunk[c], 0, result[c], written, count);
            }

            written += count;
        });
        return result;
    }

    public static LuaPiece Piece(string code, string chunkName = "test.lua", LuaLimits? limits = null) =>
        new(code, chunkName, new LuaPieceOptions { Limits = limits ?? new LuaLimits() });
}
