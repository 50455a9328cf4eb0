namespace LiveEngine.Tests.Cli;

/// <summary>Random mini-notation that nests every construct of MiniNotationStrudelTests' table in the others.</summary>
internal static class RandomPatterns
{
    private static readonly string[] s_words = ["bd", "sn", "hh", "cp", "c4", "e3", "0", "1", "3", "a", "b"];

    public static string Stack(Random random, int depth) =>
        string.Join(", ", Enumerable.Range(0, random.Next(1, 3)).Select(_ => Sequence(random, depth)));

    private static string Sequence(Random random, int depth) =>
        string.Join(" ", Enumerable.Range(0, random.Next(1, 5)).Select(_ => Operators(random, Slice(random, depth))));

    private static string Slice(Random random, int depth)
    {
        double r = random.NextDouble();
        if (depth > 1 || r < 0.45)
        {
            return random.NextDouble() < 0.1 ? "~" : s_words[random.Next(s_words.Length)];
        }

        return r switch
        {
            < 0.65 => "[" + Stack(random, depth + 1) + "]",
            < 0.8 => "<" + Stack(random, depth + 1) + ">",
            < 0.9 => "{" + Stack(random, depth + 1) + "}" + (random.NextDouble() < 0.5 ? "%" + random.Next(1, 6) : ""),
            _ => "[" + Sequence(random, depth + 1) + " | " + Sequence(random, depth + 1) + "]",
        };
    }

    private static string Operators(Random random, string slice)
    {
        int count = random.Next(0, 5) switch { 0 or 1 => 0, 2 or 3 => 1, _ => 2 };
        for (int i = 0; i < count; i++)
        {
            double r = random.NextDouble();
            slice += r switch
            {
                < 0.15 => "*" + Pick(random, "2", "3", "1.5", "<2 3>", "[1 2]"),
                < 0.3 => "/" + Pick(random, "2", "3", "<1 2>"),
                < 0.45 => "?" + Pick(random, "", "0.3", "0.8"),
                < 0.6 => "!" + Pick(random, "", "2", "3"),
                < 0.72 => "@" + Pick(random, "2", "3", "0.5"),
                < 0.85 => $"({random.Next(1, 6)},{random.Next(5, 10)}{Pick(random, "", ",1", ",2", ",-1")})",
                _ => ":" + Pick(random, "1", "2"),
            };
        }

        return slice;
    }

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];
}
