using RadLine;

namespace LiveEngine.Frontend.Repl;

/// <summary>The command bound to <see cref="ReplInput.RedrawKey"/>: changes nothing, so the editor just redraws.</summary>
internal sealed class RedrawCommand : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
    }
}
