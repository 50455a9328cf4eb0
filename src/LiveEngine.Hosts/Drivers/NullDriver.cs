using System.Diagnostics;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Drivers;

/// <summary>
/// A driver for machines without audio: a dedicated thread renders one block per period of real time and
/// throws the samples away, so a performance behaves as with a sound card (time passes at the real rate, late
/// blocks are counted as xruns) without one. The thread sleeps until shortly before each deadline and spins the
/// rest of the way, so blocks start on time without burning a core between them.
/// </summary>
public sealed class NullDriver : IDisposable
{
    private readonly LiveRenderer _renderer;
    private readonly int _blockFrames;
    private readonly int _sampleRate;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private NullDriver(LiveRenderer renderer, int sampleRate, int blockFrames)
    {
        _renderer = renderer;
        _sampleRate = sampleRate;
        _blockFrames = blockFrames;
        _thread = new Thread(Run) { IsBackground = true, Name = "liveengine null driver", Priority = ThreadPriority.Highest };
    }

    public BlockTimeStats Stats { get; } = new();

    public int SampleRate => _sampleRate;

    public int BufferFrames => _blockFrames;

    public static NullDriver Start(LiveRenderer renderer, int sampleRate, int blockFrames)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockFrames, renderer.MaxBlockFrames);
        // Compile the render path now, not in the first real-time callbacks.
        renderer.WarmUp();
        var driver = new NullDriver(renderer, sampleRate, blockFrames);
        driver._thread.Start();
        return driver;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    private void Run()
    {
        long period = Stopwatch.Frequency * _blockFrames / _sampleRate;
        long spinWindow = Stopwatch.Frequency / 2000;
        long deadline = Stopwatch.GetTimestamp() + period;
        while (!_stopping)
        {
            unsafe
            {
                RendererPump.Pump(_renderer, null, _blockFrames, Stats);
            }

            long end = Stopwatch.GetTimestamp();
            if (end > deadline)
            {
                // Missed the period: count it, and start the schedule again from now rather than racing to catch up.
                Stats.RecordXrun();
                deadline = end + period;
                continue;
            }

            long sleep = deadline - end - spinWindow;
            if (sleep > 0)
            {
                Thread.Sleep(TimeSpan.FromTicks(sleep * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }

            while (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(20);
            }

            deadline += period;
        }
    }
}
