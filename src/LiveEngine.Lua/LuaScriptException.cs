namespace LiveEngine.Lua;

/// <summary>An error in Lua code: a syntax error, a runtime error or a limit that stopped it. The message starts with <c>chunk:line:</c>.</summary>
public sealed class LuaScriptException : Exception
{
    public LuaScriptException(string message)
        : base(message)
    {
    }

    public LuaScriptException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public LuaScriptException()
    {
    }
}
