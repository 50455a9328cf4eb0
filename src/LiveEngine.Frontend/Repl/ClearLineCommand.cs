using RadLine;

namespace LiveEngine.Frontend.Repl;

/// <summary>Esc: clears the line being typed.</summary>
internal sealed class ClearLineCommand : LineEditorCommand
{
    public override void Execute(LineEditorContext context) => Clear(context.Buffer);

    public static void Clear(LineBuffer buffer)
    {
        buffer.Clear(0, buffer.Length);
        buffer.Move(0);
    }
}
