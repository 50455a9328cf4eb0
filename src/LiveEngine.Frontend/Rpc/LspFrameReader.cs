using System.Globalization;
using System.Text;

namespace LiveEngine.Frontend.Rpc;

/// <summary>What reading one frame gave.</summary>
public enum FrameKind
{
    /// <summary>A complete body.</summary>
    Message,

    /// <summary>The header block was not <c>Content-Length: N</c> framing; the reader has skipped to the next header.</summary>
    BadHeader,

    /// <summary>The body is over the size limit; it was skipped.</summary>
    TooLarge,

    /// <summary>The body did not arrive in full within the body timeout; what came was skipped.</summary>
    Incomplete,

    /// <summary>The peer closed the stream.</summary>
    End,
}

/// <summary>One frame, or what went wrong reading it.</summary>
public readonly record struct Frame(FrameKind Kind, byte[]? Body, long DeclaredLength, string? Problem);

/// <summary>
/// Reads LSP base-protocol frames (<c>Content-Length: N\r\n\r\n</c> then N bytes of UTF-8 JSON) from a stream,
/// robustly: a body over <see cref="MaxMessageBytes"/> is skipped (not buffered), a header that is not framing
/// is reported and the reader resynchronises on the next <c>Content-Length:</c>, and a body that stops short is
/// reported after <see cref="BodyTimeout"/> instead of waiting forever.
/// </summary>
public sealed class LspFrameReader
{
    private const int MaxHeaderBytes = 8 * 1024;
    private static readonly byte[] s_contentLength = "content-length:"u8.ToArray();
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    // Set after a bad frame: the next read first skips to the next "Content-Length:" without reporting what it skips.
    private bool _resynchronising;

    public LspFrameReader(Stream stream, int maxMessageBytes, TimeSpan bodyTimeout)
    {
        _stream = stream;
        MaxMessageBytes = maxMessageBytes;
        BodyTimeout = bodyTimeout;
    }

    public int MaxMessageBytes { get; }

    public TimeSpan BodyTimeout { get; }

    /// <summary>
    /// Reads the next frame. Never throws for bad input; I/O errors of the stream itself do propagate. Always makes
    /// progress: a bad frame is reported once, and what follows it up to the next <c>Content-Length:</c> is
    /// skipped without another report.
    /// </summary>
    public async Task<Frame> ReadAsync(CancellationToken cancellationToken)
    {
        // 0. After a bad frame: its rest (a body that belonged to a bad header, a body cut short, junk) is
        // skipped up to the next Content-Length, without buffering it and without another report.
        while (_resynchronising)
        {
            if (SkipToContentLength())
            {
                _resynchronising = false;
                break;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return new Frame(FrameKind.End, null, 0, null);
            }
        }

        // 1. The header block, up to the blank line, within MaxHeaderBytes.
        int headerEnd;
        while ((headerEnd = IndexOf("\r\n\r\n"u8, MaxHeaderBytes + 4)) < 0)
        {
            if (_end - _start >= MaxHeaderBytes + 4)
            {
                // The rest of this header is skipped up to the next "Content-Length:" (which may already be buffered).
                string junk = Preview(_start, Math.Min(_end, _start + 40));
                _start++;
                _resynchronising = true;
                return new Frame(FrameKind.BadHeader, null, 0, $"no blank line ends the header within {MaxHeaderBytes} bytes (it starts '{junk}')");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_end == _start)
                {
                    return new Frame(FrameKind.End, null, 0, null);
                }

                string rest = Preview(_start, Math.Min(_end, _start + 40));
                _start = _end;
                return new Frame(FrameKind.BadHeader, null, 0, $"the stream ended inside a header ('{rest}')");
            }
        }

        string header = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
        long length = -1;
        string? problem = null;
        foreach (string line in header.Split("\r\n"))
        {
            int colon = line.IndexOf(':');
            string name = colon < 0 ? "" : line[..colon].Trim();
            if (colon < 0 || name.Length == 0 || name.Any(c => !IsTokenChar(c)))
            {
                problem = $"'{Truncate(line)}' is not a header line";
                break;
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(line[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out length))
                {
                    problem = $"Content-Length '{Truncate(line[(colon + 1)..].Trim())}' is not a byte count";
                    break;
                }
            }
        }

        if (problem is null && length < 0)
        {
            problem = "the header has no Content-Length";
        }

        if (problem is not null)
        {
            // Junk before a real header (a body cut short, say) ends at that header; anything else is a bad frame
            // whose header is consumed here and whose body is skipped on the next read.
            int next = FindContentLength(_start + 1, headerEnd);
            if (next >= 0)
            {
                _start = next;
            }
            else
            {
                _start = headerEnd + 4;
                _resynchronising = true;
            }

            return new Frame(FrameKind.BadHeader, null, 0, problem);
        }

        _start = headerEnd + 4;

        // 2. The body: skipped when too large, reported when it stops short.
        if (length > MaxMessageBytes)
        {
            // Skipped by its declared length (at least 1 MB/s, and never longer than a minute), so that a body that
            // happens to contain "Content-Length:" cannot resynchronise the reader inside it.
            long left = length;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(BodyTimeout + TimeSpan.FromMilliseconds(Math.Min(length / 1000, 60_000)));
            while (left > 0)
            {
                if (_end == _start)
                {
                    bool more;
                    try
                    {
                        more = await FillAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        more = false;
                    }

                    if (!more)
                    {
                        _resynchronising = true;
                        break;
                    }
                }

                int take = (int)Math.Min(left, _end - _start);
                _start += take;
                left -= take;
            }

            return new Frame(FrameKind.TooLarge, null, length, $"a message of {length} bytes is over the {MaxMessageBytes}-byte limit");
        }

        byte[] body = new byte[length];
        int have = 0;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(BodyTimeout);
            while (have < length)
            {
                if (_end == _start)
                {
                    bool more;
                    try
                    {
                        more = await FillAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        _resynchronising = true;
                        return new Frame(FrameKind.Incomplete, null, length, $"Content-Length said {length} bytes but {have} arrived within {BodyTimeout.TotalSeconds:0.#} s");
                    }

                    if (!more)
                    {
                        return new Frame(FrameKind.Incomplete, null, length, $"Content-Length said {length} bytes but the stream ended after {have}");
                    }
                }

                int take = (int)Math.Min(length - have, _end - _start);
                Buffer.BlockCopy(_buffer, _start, body, have, take);
                _start += take;
                have += take;
            }
        }

        return new Frame(FrameKind.Message, body, length, null);
    }

    /// <summary>
    /// Skips what follows, up to the next <c>Content-Length:</c>, without a report: for a caller that found the
    /// last body malformed, whose framing is then probably off too (a Content-Length shorter than the body).
    /// </summary>
    public void SkipToNextFrame() => _resynchronising = true;

    /// <summary>Writes <paramref name="body"/> as one frame.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> body)
    {
        byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        byte[] frame = new byte[header.Length + body.Length];
        header.CopyTo(frame, 0);
        body.CopyTo(frame.AsSpan(header.Length));
        return frame;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // Only a header can fill the buffer; ReadAsync's header limit keeps that from happening.
            return true;
        }

        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    /// <summary>Where <paramref name="value"/> starts within the next <paramref name="limit"/> buffered bytes, or -1.</summary>
    private int IndexOf(ReadOnlySpan<byte> value, int limit)
    {
        int at = _buffer.AsSpan(_start, Math.Min(_end - _start, limit)).IndexOf(value);
        return at < 0 ? -1 : _start + at;
    }

    /// <summary>The first <c>Content-Length:</c> (any case) starting in [<paramref name="from"/>, <paramref name="to"/>), or -1.</summary>
    private int FindContentLength(int from, int to)
    {
        for (int i = from; i < to && i + s_contentLength.Length <= _end; i++)
        {
            if (Ascii.EqualsIgnoreCase(_buffer.AsSpan(i, s_contentLength.Length), s_contentLength))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Drops buffered bytes up to the next <c>Content-Length:</c>; true when one was found. Otherwise keeps only a
    /// tail that might be the start of a split one, so that skipping never buffers.
    /// </summary>
    private bool SkipToContentLength()
    {
        int at = FindContentLength(_start, _end);
        if (at >= 0)
        {
            _start = at;
            return true;
        }

        _start = Math.Max(_start, _end - (s_contentLength.Length - 1));
        return false;
    }

    private string Preview(int from, int to) => Truncate(Encoding.UTF8.GetString(_buffer, from, to - from));

    /// <summary>RFC 9110 token characters, which header names are made of.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static string Truncate(string text)
    {
        string flat = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return flat.Length <= 40 ? flat : flat[..40] + "…";
    }
}
