using RadLine;
using Spectre.Console;

namespace LiveEngine.Frontend.Repl;

/// <summary>Syntax colouring for Lua and C#, word by word: keywords, numbers, REPL commands and node types.</summary>
internal sealed class ReplHighlighter(Func<string> mode, IReadOnlySet<string> nodeTypes) : IHighlighter
{
    private static readonly HashSet<string> s_lua = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"];
    private static readonly HashSet<string> s_csharp = ["var", "new", "class", "public", "private", "static", "void", "float", "double", "int", "bool", "if", "else", "for", "foreach", "while", "return", "using", "true", "false", "null", "override", "sealed", "readonly", "const", "this", "in", "out", "ref", "struct"];
    private static readonly Style s_keyword = new(foreground: Color.Blue);
    private static readonly Style s_nodeType = new(foreground: Color.Yellow);
    private static readonly Style s_number = new(foreground: Color.Magenta1);
    private static readonly Style s_string = new(foreground: Color.Green);
    private static readonly Style s_command = new(foreground: Color.Yellow, decoration: Decoration.Bold);

    public Style? Highlight(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        if (token[0] == ':')
        {
            return s_command;
        }

        if (token[0] is '"' or '\'')
        {
            return s_string;
        }

        if (char.IsAsciiDigit(token[0]))
        {
            return s_number;
        }

        return (mode() == "lua" ? s_lua : s_csharp).Contains(token) ? s_keyword : nodeTypes.Contains(token) ? s_nodeType : null;
    }
}
