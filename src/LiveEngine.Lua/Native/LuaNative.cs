using System.Runtime.InteropServices;

namespace LiveEngine.Lua.Native;

/// <summary>
/// The few Lua C API calls on the hot path (scheduled callbacks and the functions they call), bound directly to
/// the liblua54 that KeraLua ships: KeraLua's own wrapper object for a coroutine or a string read allocates, these
/// do not. Everything else goes through KeraLua.
/// </summary>
internal static unsafe partial class LuaNative
{
    private const string Library = "lua54";

    public const int Ok = 0;
    public const int Yield = 1;
    public const int RegistryIndex = -1_001_000;
    public const int TypeNil = 0;
    public const int TypeBoolean = 1;
    public const int TypeNumber = 3;
    public const int TypeString = 4;

    [LibraryImport(Library, EntryPoint = "lua_resume")]
    public static partial int Resume(nint state, nint from, int arguments, out int results);

    [LibraryImport(Library, EntryPoint = "lua_yieldk")]
    public static partial int YieldK(nint state, int results, nint context, nint continuation);

    [LibraryImport(Library, EntryPoint = "lua_isyieldable")]
    public static partial int IsYieldable(nint state);

    [LibraryImport(Library, EntryPoint = "lua_gettop")]
    public static partial int GetTop(nint state);

    [LibraryImport(Library, EntryPoint = "lua_settop")]
    public static partial void SetTop(nint state, int index);

    [LibraryImport(Library, EntryPoint = "lua_type")]
    public static partial int Type(nint state, int index);

    [LibraryImport(Library, EntryPoint = "lua_rawgeti")]
    public static partial int RawGetInteger(nint state, int index, long n);

    [LibraryImport(Library, EntryPoint = "lua_pushnumber")]
    public static partial void PushNumber(nint state, double value);

    [LibraryImport(Library, EntryPoint = "lua_pushinteger")]
    public static partial void PushInteger(nint state, long value);

    [LibraryImport(Library, EntryPoint = "lua_pushnil")]
    public static partial void PushNil(nint state);

    [LibraryImport(Library, EntryPoint = "lua_pushboolean")]
    public static partial void PushBoolean(nint state, int value);

    [LibraryImport(Library, EntryPoint = "lua_tonumberx")]
    public static partial double ToNumberX(nint state, int index, out int isNumber);

    [LibraryImport(Library, EntryPoint = "lua_tointegerx")]
    public static partial long ToIntegerX(nint state, int index, out int isNumber);

    [LibraryImport(Library, EntryPoint = "lua_toboolean")]
    public static partial int ToBoolean(nint state, int index);

    [LibraryImport(Library, EntryPoint = "lua_tolstring")]
    public static partial byte* ToLString(nint state, int index, out nuint length);

    [LibraryImport(Library, EntryPoint = "lua_xmove")]
    public static partial void XMove(nint from, nint to, int n);
}
