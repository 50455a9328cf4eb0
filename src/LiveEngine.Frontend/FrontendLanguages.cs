using LiveEngine.CSharp;
using LiveEngine.Frontend.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;

namespace LiveEngine.Frontend;

/// <summary>The languages a performance speaks: Lua and C#.</summary>
public static class FrontendLanguages
{
    /// <summary>
    /// Factories for every language, bound to a session when the performance adds them. C# snippets run within
    /// <paramref name="csharpLimits"/> (default <see cref="SnippetLimits"/>; repl.config <c>[repl] cs_timeout_ms</c>).
    /// </summary>
    public static IReadOnlyList<Func<ILiveSession, ILiveLanguage>> Create(NodeTypeRegistry registry, SnippetLimits? csharpLimits = null) =>
    [
        session => new LuaLanguage(session, registry),
        session => new CSharpLanguage(session, registry, csharpLimits),
    ];
}
