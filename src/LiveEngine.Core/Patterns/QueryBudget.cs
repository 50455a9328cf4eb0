namespace LiveEngine.Patterns;

/// <summary>
/// A cap on the work of one query, counted in the events the leaves of a pattern make: <c>"a*100000*100000"</c>
/// would otherwise build ten billion events on the thread that asked (a script's, where no hook can stop native
/// code). Thread-local, so concurrent queries on other threads have their own.
/// </summary>
internal static class QueryBudget
{
    [ThreadStatic]
    private static long t_remaining;

    [ThreadStatic]
    private static bool t_active;

    /// <summary>Runs <paramref name="query"/> with at most <paramref name="events"/> leaf events; throws <see cref="MiniNotationException"/> past it.</summary>
    public static T Run<T>(long events, Func<T> query)
    {
        bool wasActive = t_active;
        long wasRemaining = t_remaining;
        t_active = true;
        t_remaining = events;
        try
        {
            return query();
        }
        finally
        {
            t_active = wasActive;
            t_remaining = wasRemaining;
        }
    }

    public static void Spend(int events)
    {
        if (t_active && (t_remaining -= events) < 0)
        {
            throw new MiniNotationException("the pattern makes too many events to list (more than a million in the cycles asked for): slow it down or ask for fewer cycles.", 0);
        }
    }
}
