using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace LiveEngine.Web;

/// <summary>
/// One page's WebSocket. The feed offers it the latest frame and graph; a page that reads slowly gets the newest of
/// each when it is ready, and the ones in between are dropped here, so nothing upstream ever waits for a browser.
/// </summary>
internal sealed class StageConnection : IDisposable
{
    private const int MaxReplies = 64;

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _ready = new(0, 1);
    private readonly ConcurrentQueue<byte[]> _replies = new();
    private byte[]? _graph;
    private byte[]? _frame;
    private long _dropped;

    public StageConnection(WebSocket socket)
    {
        _socket = socket;
    }

    /// <summary>Frames replaced by a newer one before this page took them. Any thread.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Offers the latest graph message. Never blocks.</summary>
    public void OfferGraph(byte[] message)
    {
        Volatile.Write(ref _graph, message);
        Signal();
    }

    /// <summary>Offers the latest frame, replacing one not yet sent. Never blocks.</summary>
    public void OfferFrame(byte[] message)
    {
        if (Interlocked.Exchange(ref _frame, message) is not null)
        {
            Interlocked.Increment(ref _dropped);
        }

        Signal();
    }

    /// <summary>Queues the answer to a command from this page (at most a few; a page that floods them loses the oldest answers).</summary>
    public void Reply(byte[] message)
    {
        _replies.Enqueue(message);
        while (_replies.Count > MaxReplies && _replies.TryDequeue(out _))
        {
        }

        Signal();
    }

    /// <summary>Sends what is offered, newest first by kind (answers, graph, frame), until the page goes or <paramref name="stopping"/>.</summary>
    public async Task SendLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            await _ready.WaitAsync(stopping).ConfigureAwait(false);
            while (_replies.TryDequeue(out byte[]? reply))
            {
                await SendAsync(reply, stopping).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _graph, null) is { } graph)
            {
                await SendAsync(graph, stopping).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _frame, null) is { } frame)
            {
                await SendAsync(frame, stopping).ConfigureAwait(false);
            }
        }
    }

    private Task SendAsync(byte[] message, CancellationToken stopping) =>
        _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, stopping);

    private void Signal()
    {
        try
        {
            if (_ready.CurrentCount == 0)
            {
                _ready.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another thread signalled first: the send loop wakes either way.
        }
        catch (ObjectDisposedException)
        {
            // The page went away.
        }
    }

    public void Dispose() => _ready.Dispose();
}
