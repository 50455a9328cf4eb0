namespace LiveEngine.Osc;

/// <summary>
/// OSC 1.0 address pattern matching: <c>?</c> one character, <c>*</c> any run of characters, <c>[abc]</c>,
/// <c>[a-z]</c> and <c>[!abc]</c> one character of (or not of) a set, <c>{foo,bar}</c> one of the strings; none of
/// them matches '/', so each part of the address matches on its own. Allocation-free, never throws, and bounded:
/// a pattern that would need more than <see cref="MaxSteps"/> steps against an address does not match it.
/// </summary>
public static class OscAddressPattern
{
    /// <summary>Matching work allowed per call (a hostile pattern of many stars and braces cannot stall the receiver).</summary>
    public const int MaxSteps = 20_000;

    /// <summary>Whether <paramref name="pattern"/> matches <paramref name="address"/> in full.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> address)
    {
        int budget = MaxSteps;
        return Match(pattern, address, ref budget);
    }

    /// <summary>Whether <paramref name="text"/> holds any of the pattern characters <c>* ? [ {</c>.</summary>
    public static bool IsPattern(ReadOnlySpan<char> text) => text.IndexOfAny("*?[{") >= 0;

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> a, ref int budget)
    {
        while (!p.IsEmpty)
        {
            if (--budget < 0)
            {
                return false;
            }

            switch (p[0])
            {
                case '*':
                    {
                        p = p.TrimStart('*');
                        for (int i = 0; ; i++)
                        {
                            if (Match(p, a[i..], ref budget))
                            {
                                return true;
                            }

                            if (i == a.Length || a[i] == '/' || budget < 0)
                            {
                                return false;
                            }
                        }
                    }

                case '?':
                    if (a.IsEmpty || a[0] == '/')
                    {
                        return false;
                    }

                    p = p[1..];
                    a = a[1..];
                    break;
                case '[':
                    {
                        int close = p.IndexOf(']');
                        if (close < 0 || a.IsEmpty || a[0] == '/' || !InSet(p[1..close], a[0]))
                        {
                            return false;
                        }

                        p = p[(close + 1)..];
                        a = a[1..];
                        break;
                    }

                case '{':
                    {
                        int close = p.IndexOf('}');
                        if (close < 0)
                        {
                            return false;
                        }

                        ReadOnlySpan<char> choices = p[1..close];
                        ReadOnlySpan<char> rest = p[(close + 1)..];
                        while (true)
                        {
                            int comma = choices.IndexOf(',');
                            ReadOnlySpan<char> choice = comma < 0 ? choices : choices[..comma];
                            if (a.StartsWith(choice, StringComparison.Ordinal) && Match(rest, a[choice.Length..], ref budget))
                            {
                                return true;
                            }

                            if (comma < 0 || budget < 0)
                            {
                                return false;
                            }

                            choices = choices[(comma + 1)..];
                        }
                    }

                default:
                    if (a.IsEmpty || a[0] != p[0])
                    {
                        return false;
                    }

                    p = p[1..];
                    a = a[1..];
                    break;
            }
        }

        return a.IsEmpty;
    }

    private static bool InSet(ReadOnlySpan<char> set, char c)
    {
        bool negate = !set.IsEmpty && set[0] == '!';
        if (negate)
        {
            set = set[1..];
        }

        bool found = false;
        for (int i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                char low = set[i] <= set[i + 2] ? set[i] : set[i + 2];
                char high = set[i] <= set[i + 2] ? set[i + 2] : set[i];
                found |= c >= low && c <= high;
                i += 2;
            }
            else
            {
                found |= set[i] == c;
            }
        }

        return found != negate;
    }
}
