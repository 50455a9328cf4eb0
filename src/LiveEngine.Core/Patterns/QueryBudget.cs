namespace LiveEngine.Patterns;

/// <summary>
/// A cap on the work of one query, counted in the events the leaves of a pattern make: <c>"a*100000*100000"</c>
/// would otherwise build ten billion events on the thread that asked (a script's, where no hook can stop native
/// code). Thread-local, so concurrent queries on other threads have their own.
/// </summary>
internal static class QueryBudget
{
    [ThreadStatic]
    private static long s_remaining;

    [ThreadStatic]
    private static bool s_active;

    /// <summary>Runs <paramref name="query"/> with at most <paramref name="events"/> leaf events; throws <see cref="MiniNotationException"/> past it.</summary>
    public static T Run<T>(long events, Func<T> query)
    {
        bool wasActive = s_active;
        long wasRemaining = s_remaining;
        s_active = true;
        s_remaining = events;
        try
        {
            return query();
        }
        finally
        {
            s_active = wasActive;
            s_remaining = wasRemaining;
        }
    }

    public static void Spend(int events)
    {
        if (s_active && (s_remaining -= events) < 0)
        {
            throw new MiniNotationException("the pattern makes too many events to list (more than a million in the cycles asked for): slow it down or ask for fewer cycles.", 0);
        }
    }
}
