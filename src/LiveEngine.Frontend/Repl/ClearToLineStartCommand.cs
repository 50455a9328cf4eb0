using RadLine;

namespace LiveEngine.Frontend.Repl;

/// <summary>Ctrl+U, as in a shell: deletes from the start of the line to the cursor.</summary>
internal sealed class ClearToLineStartCommand : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
        LineBuffer buffer = context.Buffer;
        buffer.Clear(0, buffer.Position);
        buffer.Move(0);
    }
}
