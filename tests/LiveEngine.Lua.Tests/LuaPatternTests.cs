using LiveEngine.Dsp;

namespace LiveEngine.Lua.Tests;

/// <summary>Pattern, rhythm and theory functions against hand-computed sequences.</summary>
public sealed class LuaPatternTests : IDisposable
{
    // show(p, c): the events of cycle c as "start=value", starts as exact fractions of the cycle.
    private const string Show = """
        local function show(p, c)
          local parts = {}
          for _, e in ipairs(p:query(c or 0)) do
            local a, b = __rat(e.start)
            parts[#parts + 1] = a .. "/" .. b .. "=" .. tostring(e.value)
          end
          return table.concat(parts, " ")
        end

        """;

    private readonly LuaMachine _machine = new(LuaPiece.CreateSession(), BuiltinNodeTypes.CreateRegistry());

    public void Dispose() => _machine.Dispose();

    [Theory]
    [InlineData("show(pat('bd ~ sn ~'))", "0/1=bd 1/2=sn")]
    [InlineData("show(pat('c3 [e3 g3]'))", "0/1=48 1/2=52 3/4=55")]
    [InlineData("show(pat('hh*3 ~'))", "0/1=hh 1/6=hh 1/3=hh")]
    [InlineData("show(pat('<a b> c'), 0) .. ' | ' .. show(pat('<a b> c'), 1)", "0/1=a 1/2=c | 0/1=b 1/2=c")]
    [InlineData("show(seq{1, {2, 3}, false, 4})", "0/1=1 1/4=2 3/8=3 3/4=4")]
    [InlineData("show(fast(pat('a b'), 2))", "0/1=a 1/4=b 1/2=a 3/4=b")]
    [InlineData("show(slow(pat('a b c d'), 2), 0) .. ' | ' .. show(slow(pat('a b c d'), 2), 1)", "0/1=a 1/2=b | 0/1=c 1/2=d")]
    [InlineData("show(rev(pat('a b c')))", "0/1=c 1/3=b 2/3=a")]
    [InlineData("show(shift(pat('a b c d'), 1/4))", "0/1=b 1/4=c 1/2=d 3/4=a")]
    [InlineData("show(shift(pat('a b c d'), -1/4))", "0/1=d 1/4=a 1/2=b 3/4=c")]
    [InlineData("show(stack(pat('a ~'), pat('~ b')))", "0/1=a 1/2=b")]
    [InlineData("show(euclid(3, 8))", "0/1=x 3/8=x 3/4=x")]
    [InlineData("show(euclid(5, 8))", "0/1=x 1/4=x 3/8=x 5/8=x 3/4=x")]
    [InlineData("show(euclid(3, 8, 2))", "1/8=x 1/2=x 3/4=x")]
    [InlineData("show(pat('a b'):fast(2):rev())", "0/1=b 1/4=a 1/2=b 3/4=a")]
    public void Pattern_MatchesTheHandComputedEvents(string expression, string expected) =>
        Assert.Equal(expected, Eval(Show + "return " + expression));

    [Fact]
    public void Nth_AppliesTheTransformationOnEveryNthCycle()
    {
        string result = Eval(Show + "local p = nth(pat('a b'), 3, rev)\nreturn show(p, 0) .. ' | ' .. show(p, 1) .. ' | ' .. show(p, 2) .. ' | ' .. show(p, 3)");
        Assert.Equal("0/1=b 1/2=a | 0/1=a 1/2=b | 0/1=a 1/2=b | 0/1=b 1/2=a", result);
    }

    [Theory]
    [InlineData(3, 8, "x..x..x.")]
    [InlineData(5, 8, "x.xx.xx.")]
    [InlineData(2, 5, "x.x..")]
    [InlineData(3, 4, "xxx.")]
    [InlineData(7, 16, "x..x.x.x..x.x.x.")]
    [InlineData(0, 4, "....")]
    [InlineData(4, 4, "xxxx")]
    public void Bjorklund_GivesToussaintsRhythms(int k, int n, string expected) =>
        Assert.Equal(expected, Eval($"local s = '' for _, on in ipairs(bjorklund({k}, {n})) do s = s .. (on and 'x' or '.') end return s"));

    [Theory]
    [InlineData("note('c4')", "60")]
    [InlineData("note('a4')", "69")]
    [InlineData("note('eb3')", "51")]
    [InlineData("note('f#2')", "42")]
    [InlineData("mtof(69)", "440.0")]
    [InlineData("table.concat(scale('c4', 'major'), ' ')", "60 62 64 65 67 69 71")]
    [InlineData("table.concat(scale('a2', 'minpent', 2), ' ')", "45 48 50 52 55 57 60 62 64 67")]
    [InlineData("table.concat(chord('a2', 'min7'), ' ')", "45 48 52 55")]
    [InlineData("degree(scale('c4', 'major'), 8)", "72")]
    [InlineData("degree(scale('c4', 'major'), 0)", "59")]
    public void Theory_MatchesHandComputedNotes(string expression, string expected) =>
        Assert.Equal(expected, Eval("return " + expression));

    [Fact]
    public void Randomness_IsSeededBySession_SameSeedSameNumbers()
    {
        using var other = new LuaMachine(LuaPiece.CreateSession(), BuiltinNodeTypes.CreateRegistry());
        const string Code = "local t = {} for i = 1, 8 do t[i] = irand(1, 1000) end return table.concat(t, ' ')";
        Assert.Equal(Eval(Code), other.Evaluate(Code, "r").Value);
    }

    [Fact]
    public void MiniNotation_Error_SaysWhereInTheString()
    {
        LuaScriptException e = Assert.Throws<LuaScriptException>(() => _machine.Evaluate("local p = pat('a [b c')", "p.lua"));
        Assert.Equal("p.lua:1: pat: missing ']' in \"a [b c\"", e.Message);
    }

    private string Eval(string code) => _machine.Evaluate(code, "test").Value ?? "nil";
}
