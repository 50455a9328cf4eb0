namespace LiveEngine.Hosts.Link;

/// <summary>
/// The follower's estimate of the sample position at Link time 0 (<see cref="LinkFollower"/>): the largest of the last
/// <c>capacity</c> readings, since a block that started late only ever lowers a reading; unless the readings stay more
/// than <c>shiftThreshold</c> below it for <c>shiftReadings</c> readings in a row. Then the stream's schedule itself moved
/// later (a driver that starts its periods again from now after a stall): the largest would keep the old schedule for
/// the window's length, the follower would correct a phase error that is not there and correct back when it expired,
/// so the window starts again from those readings. A higher reading is taken at once either way. Allocates nothing.
/// One thread (the follower's).
/// </summary>
internal sealed class ClockOffsetWindow(int capacity, int shiftReadings, double shiftThreshold)
{
    private readonly double[] _offsets = new double[capacity];
    private int _count;
    private int _next;
    private int _lowReadings;

    /// <summary>Readings in the window.</summary>
    public int Count => _count;

    /// <summary>Adds a reading; returns the estimate.</summary>
    public double Add(double offset)
    {
        _offsets[_next] = offset;
        _next = (_next + 1) % _offsets.Length;
        _count = Math.Min(_count + 1, _offsets.Length);
        double largest = Largest();
        _lowReadings = offset < largest - shiftThreshold ? _lowReadings + 1 : 0;
        if (_lowReadings < shiftReadings || _count <= shiftReadings)
        {
            return largest;
        }

        // Keep only the low run: the newest readings, moved to the front in the order they came.
        Span<double> recent = stackalloc double[shiftReadings];
        for (int i = 0; i < shiftReadings; i++)
        {
            recent[shiftReadings - 1 - i] = _offsets[(_next - 1 - i + _offsets.Length) % _offsets.Length];
        }

        recent.CopyTo(_offsets);
        _count = shiftReadings;
        _next = shiftReadings % _offsets.Length;
        _lowReadings = 0;
        return Largest();
    }

    /// <summary>Forgets every reading (after a stop or start, the old ones no longer map Link time to samples).</summary>
    public void Clear()
    {
        _count = 0;
        _next = 0;
        _lowReadings = 0;
    }

    private double Largest()
    {
        double largest = double.MinValue;
        for (int i = 0; i < _count; i++)
        {
            largest = Math.Max(largest, _offsets[i]);
        }

        return largest;
    }
}
