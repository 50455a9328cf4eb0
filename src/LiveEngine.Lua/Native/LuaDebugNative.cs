using System.Runtime.InteropServices;

namespace LiveEngine.Lua.Native;

/// <summary>The debug calls used to name the line of a stopped or failed piece of code (error path only).</summary>
internal static partial class LuaDebugNative
{
    [LibraryImport("lua54", EntryPoint = "lua_getstack")]
    public static partial int GetStack(nint state, int level, nint record);

    [LibraryImport("lua54", EntryPoint = "lua_getinfo", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetInfo(nint state, string what, nint record);
}
