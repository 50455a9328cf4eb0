using LiveEngine.Lua.Native;
using LiveEngine.Patterns;
using LiveEngine.Time;
using LuaState = KeraLua.Lua;

namespace LiveEngine.Lua;

/// <summary>Mini-notation for scripts: the C# reader (the one checked against Strudel) behind <c>__native.mini</c>.</summary>
internal sealed partial class LuaMachine
{
    /// <summary>The most cycles one call lists, so that a typo cannot ask for a billion events.</summary>
    private const int MaxMiniCycles = 4096;

    // mini(text, cycles) -> { {beginNum, beginDen, endNum, endDen, value}, ... }: the events starting in [0, cycles)
    // cycles, exact, ordered by begin; or nil and the reader's message (with its column).
    private static int NativeMini(nint state) => Call(state, static (m, s) =>
    {
        string text = ReadString(s, 1);
        long cycles = Integer(s, 2);
        if (cycles is < 1 or > MaxMiniCycles)
        {
            return m.Fail(s, $"mini: cycles must be 1 to {MaxMiniCycles}, not {cycles}.");
        }

        List<Hap<MiniValue>> events;
        try
        {
            events = MiniNotation.Events(MiniNotation.Parse(text), Fraction.Zero, cycles);
        }
        catch (MiniNotationException e)
        {
            return m.Fail(s, "mini-notation " + e.Message);
        }

        LuaState lua = LuaState.FromIntPtr(s);
        lua.CreateTable(events.Count, 0);
        for (int i = 0; i < events.Count; i++)
        {
            Arc whole = events[i].Whole!.Value;
            lua.CreateTable(5, 0);
            LuaNative.PushInteger(s, whole.Begin.Numerator);
            lua.RawSetInteger(-2, 1);
            LuaNative.PushInteger(s, whole.Begin.Denominator);
            lua.RawSetInteger(-2, 2);
            LuaNative.PushInteger(s, whole.End.Numerator);
            lua.RawSetInteger(-2, 3);
            LuaNative.PushInteger(s, whole.End.Denominator);
            lua.RawSetInteger(-2, 4);
            if (events[i].Value.Number is double number)
            {
                LuaNative.PushNumber(s, number);
            }
            else
            {
                PushString(s, events[i].Value.Text);
            }

            lua.RawSetInteger(-2, 5);
            lua.RawSetInteger(-2, i + 1);
        }

        return 1;
    });
}
