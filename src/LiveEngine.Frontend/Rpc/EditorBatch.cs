using System.Text.Json.Nodes;

namespace LiveEngine.Frontend.Rpc;

/// <summary>
/// The responses of one JSON-RPC batch (JSON-RPC 2.0, section 6), gathered until every request in it that has an
/// id is answered; then they go back as one array. Notifications in the batch get no entry. The guard adds its
/// own refusals at once; StreamJsonRpc's answers arrive on the connection's outbound pump.
/// </summary>
internal sealed class EditorBatch
{
    private readonly object _gate = new();
    private readonly JsonArray _responses = [];
    private int _expected;
    private bool _sealed;

    /// <summary>Counts one more request whose answer will come from StreamJsonRpc. Reader thread, before <see cref="Seal"/>.</summary>
    public void Expect()
    {
        lock (_gate)
        {
            _expected++;
        }
    }

    /// <summary>Adds an answer; the array when it completes the batch (after <see cref="Seal"/>), else null.</summary>
    public JsonArray? Add(JsonObject response)
    {
        lock (_gate)
        {
            _responses.Add(response);
            return Completed();
        }
    }

    /// <summary>Adds an answer to a request counted by <see cref="Expect"/>; the array when it completes the batch.</summary>
    public JsonArray? Answer(JsonObject response)
    {
        lock (_gate)
        {
            _expected--;
            _responses.Add(response);
            return Completed();
        }
    }

    /// <summary>Every request of the batch has been seen; the array when it is already complete.</summary>
    public JsonArray? Seal()
    {
        lock (_gate)
        {
            _sealed = true;
            return Completed();
        }
    }

    private JsonArray? Completed() => _sealed && _expected == 0 && _responses.Count > 0 ? _responses : null;
}
