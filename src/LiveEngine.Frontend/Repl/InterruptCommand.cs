using RadLine;

namespace LiveEngine.Frontend.Repl;

/// <summary>
/// Ctrl+C while typing: clears the line; with an unfinished chunk waiting (the lines above, typed earlier), it ends
/// the line so that the REPL drops the chunk. On an empty line it only says how to leave: on stage a stray Ctrl+C
/// must never stop the music.
/// </summary>
internal sealed class InterruptCommand(Func<bool> chunkPending, Action dropChunk, Action hint) : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
        bool pending = chunkPending();
        if (context.Buffer.Length == 0 && !pending)
        {
            hint();
            return;
        }

        ClearLineCommand.Clear(context.Buffer);
        if (pending)
        {
            dropChunk();
            context.Submit(SubmitAction.Submit);
        }
    }
}
