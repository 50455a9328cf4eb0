namespace LiveEngine.Patterns;

/// <summary>
/// One event of a pattern as a query sees it (Strudel's <c>Hap</c>): <see cref="Whole"/> is the event's full
/// extent (null for a continuous signal), <see cref="Part"/> the piece of it inside the query. An event starts
/// in a query when the two begin together (<see cref="HasOnset"/>).
/// </summary>
public readonly record struct Hap<T>(Arc? Whole, Arc Part, T Value)
{
    public bool HasOnset => Whole is Arc whole && whole.Begin == Part.Begin;

    public Arc WholeOrPart => Whole ?? Part;

    public Hap<T> WithSpan(Func<Arc, Arc> map) => new(Whole is Arc whole ? map(whole) : null, map(Part), Value);

    public Hap<TOut> WithValue<TOut>(TOut value) => new(Whole, Part, value);
}
