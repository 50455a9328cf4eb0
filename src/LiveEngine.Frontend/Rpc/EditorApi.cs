using System.Globalization;
using System.Text.Json.Nodes;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Time;
using StreamJsonRpc;

namespace LiveEngine.Frontend.Rpc;

/// <summary>
/// The methods of the editor socket (JSON-RPC 2.0, named parameters). docs/protocol.md documents each with an
/// example. A mistake in the arguments is a JSON-RPC error with code -32602 and the precise message; a mistake in
/// evaluated code is a normal result with <c>ok: false</c> (the editor shows it like any other result).
/// </summary>
public sealed class EditorApi
{
    public const int InvalidParams = -32602;

    private readonly Performance _performance;
    private readonly EditorConnection _connection;

    internal EditorApi(Performance performance, EditorConnection connection)
    {
        _performance = performance;
        _connection = connection;
    }

    /// <summary>Says hello; when the server needs a token this must come first, with it.</summary>
    [JsonRpcMethod("initialize")]
    public JsonObject Initialize(string? token = null, string? client = null)
    {
        _ = token; // checked by the connection before dispatch
        _connection.ClientName = client;
        var options = _performance.Session.Options;
        return new JsonObject
        {
            ["server"] = "liveengine",
            ["protocol"] = 1,
            ["languages"] = new JsonArray([.. _performance.LanguageNames.Order().Select(n => (JsonNode)n!)]),
            ["sampleRate"] = options.SampleRate,
            ["channels"] = options.OutputChannels,
            ["maxMessageBytes"] = _connection.Server.Options.MaxMessageBytes,
            ["messagesPerSecond"] = _connection.Server.Options.MessagesPerSecond,
        };
    }

    /// <summary>Evaluates code; its commits land at <paramref name="quantize"/> (now, beat, bar, N bars, at:BEAT; default bar).</summary>
    [JsonRpcMethod("eval")]
    public async Task<JsonObject> EvalAsync(string language, string code, string? quantize = null, string? source = null)
    {
        Quantization when = ParseQuantize(quantize, Quantization.NextBar);
        Evaluation result = await _performance.EvaluateAsync(language, code, source ?? $"{_connection.Name}:eval", when).ConfigureAwait(false);
        return new JsonObject { ["ok"] = result.Ok, ["output"] = result.Output, ["error"] = result.Error };
    }

    /// <summary>
    /// Replaces the piece playing with a .lua, .csx or .json file the server reads (a path of the server's: an
    /// attached REPL sends its <c>:load FILE</c> as a full path), as the REPL's <c>:load</c> does.
    /// </summary>
    [JsonRpcMethod("load")]
    public async Task<JsonObject> LoadAsync(string path, string? quantize = null)
    {
        Quantization when = ParseQuantize(quantize, Quantization.NextBar);
        Evaluation result;
        try
        {
            result = await _performance.LoadAsync(path, when).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or GraphValidationException or System.Text.Json.JsonException)
        {
            throw Invalid(e.Message);
        }

        return new JsonObject { ["ok"] = result.Ok, ["output"] = result.Output, ["error"] = result.Error };
    }

    /// <summary>Whether <paramref name="code"/> is a finished chunk in <paramref name="language"/> (false: an open block, more lines to come).</summary>
    [JsonRpcMethod("code/isComplete")]
    public bool CodeIsComplete(string language, string code) =>
        _performance.TryGetLanguage(language, out _) ? _performance.IsComplete(language, code) : throw Invalid($"No language '{language}'.");

    /// <summary>The latest committed graph as its JSON description.</summary>
    [JsonRpcMethod("graph/get")]
    public JsonNode GraphGet() => JsonNode.Parse(_performance.Session.Graph.ToJson())!;

    /// <summary>The graph as text, with estimated costs (what <c>:graph</c> shows).</summary>
    [JsonRpcMethod("graph/text")]
    public string GraphText() => _performance.DescribeGraph();

    /// <summary>Replaces the graph with <paramref name="graph"/> at <paramref name="quantize"/>.</summary>
    [JsonRpcMethod("graph/commit")]
    public JsonObject GraphCommit(JsonObject graph, string? quantize = null)
    {
        Quantization when = ParseQuantize(quantize, Quantization.NextBar);
        GraphDescription description;
        try
        {
            description = GraphDescription.FromJson(graph.ToJsonString());
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Invalid($"graph: {e.Message}");
        }

        try
        {
            // A convolution's response file is read here and shipped to the engine (wherever it runs) before the commit.
            _performance.Samples.LoadImpulseResponses(description, graphFile: null);
            return new JsonObject { ["sample"] = _performance.Commit(description, when).Sample };
        }
        catch (Exception e) when (e is GraphValidationException or ArgumentException)
        {
            throw Invalid(e.Message);
        }
    }

    /// <summary>A node's parameters and their values.</summary>
    [JsonRpcMethod("parameters/get")]
    public JsonObject ParametersGet(string node)
    {
        NodeSpec spec = _performance.Session.Graph.Nodes.Find(n => n.Id == node)
            ?? throw Invalid($"No node '{node}' in the graph.");
        var result = new JsonObject();
        if (_performance.Registry.TryGet(spec.Type, out var type))
        {
            foreach (var parameter in type.Parameters)
            {
                result[parameter.Name] = spec.Parameters.TryGetValue(parameter.Name, out double value) ? value : parameter.Default;
            }
        }

        return result;
    }

    /// <summary>Sets one parameter at <paramref name="quantize"/> (default now); returns the sample it lands on.</summary>
    [JsonRpcMethod("parameters/set")]
    public JsonObject ParametersSet(string node, string parameter, double value, string? quantize = null)
    {
        Quantization when = ParseQuantize(quantize, Quantization.Now);
        try
        {
            return new JsonObject { ["sample"] = _performance.SetParameter(node, parameter, value, when) };
        }
        catch (ArgumentException e)
        {
            throw Invalid(e);
        }
    }

    /// <summary>Sets a named variable (what controllers and code read).</summary>
    [JsonRpcMethod("variables/set")]
    public void VariablesSet(string name, double value)
    {
        try
        {
            _performance.SetVariable(name, value);
        }
        catch (ArgumentException e)
        {
            throw Invalid(e);
        }
    }

    /// <summary>Every named variable and its value.</summary>
    [JsonRpcMethod("variables/get")]
    public JsonObject VariablesGet()
    {
        var result = new JsonObject();
        foreach (var pair in _performance.Session.Variables.Snapshot())
        {
            result[pair.Key] = pair.Value;
        }

        return result;
    }

    /// <summary>Sets the tempo at <paramref name="quantize"/> (default bar).</summary>
    [JsonRpcMethod("transport/tempo")]
    public JsonObject TransportTempo(double bpm, string? quantize = null)
    {
        Quantization when = ParseQuantize(quantize, Quantization.NextBar);
        if (!double.IsFinite(bpm) || bpm <= 0 || bpm > 999)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"bpm must be more than 0 and at most 999, not {bpm}."));
        }

        return new JsonObject { ["sample"] = _performance.SetTempo(Fraction.FromDecimal((decimal)bpm), when) };
    }

    /// <summary>Where the music is: sample, beat, bar, tempo, meter.</summary>
    [JsonRpcMethod("transport/state")]
    public JsonObject TransportState()
    {
        long position = _performance.Session.Position;
        var clock = _performance.Session.Clock;
        return new JsonObject
        {
            ["sample"] = position,
            ["beat"] = clock.BeatAt(position).ToDouble(),
            ["bar"] = clock.BarAt(position).ToDouble(),
            ["bpm"] = clock.TempoAt(position).ToDouble(),
            ["beatsPerBar"] = clock.BeatsPerBarAt(position),
        };
    }

    /// <summary>Undoes the last commit at <paramref name="quantize"/> (default bar).</summary>
    [JsonRpcMethod("undo")]
    public bool Undo(string? quantize = null) => _performance.Undo(ParseQuantize(quantize, Quantization.NextBar));

    /// <summary>Stops every callback and fades to silence.</summary>
    [JsonRpcMethod("panic")]
    public void Panic() => _performance.Panic();

    /// <summary>Stops the transport: silent from the next block, the clock held. Logged.</summary>
    [JsonRpcMethod("transport/stop")]
    public JsonObject TransportStop() => new() { ["sample"] = _performance.SetTransport(playing: false) };

    /// <summary>Plays the transport again from where it held. Logged.</summary>
    [JsonRpcMethod("transport/play")]
    public JsonObject TransportPlay() => new() { ["sample"] = _performance.SetTransport(playing: true) };

    /// <summary>Engine statistics now.</summary>
    [JsonRpcMethod("stats/get")]
    public JsonObject StatsGet() => _connection.Server.Stats();

    /// <summary>The statistics as text (what <c>:stats</c> shows).</summary>
    [JsonRpcMethod("stats/text")]
    public string StatsText() => _performance.DescribeStats();

    /// <summary>Writes the latest graph to <paramref name="path"/> (a path of the server's), as the REPL's <c>:save</c> does; returns what was written.</summary>
    [JsonRpcMethod("graph/save")]
    public string GraphSave(string path)
    {
        try
        {
            return _performance.Save(path);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw Invalid(e.Message);
        }
    }

    /// <summary>Sends a <c>stats</c> notification every <paramref name="intervalMs"/> (100..10000) until unsubscribed.</summary>
    [JsonRpcMethod("stats/subscribe")]
    public void StatsSubscribe(int intervalMs = 1000)
    {
        if (intervalMs is < 100 or > 10_000)
        {
            throw Invalid($"intervalMs must be 100..10000, not {intervalMs}.");
        }

        _connection.SubscribeStats(TimeSpan.FromMilliseconds(intervalMs));
    }

    [JsonRpcMethod("stats/unsubscribe")]
    public void StatsUnsubscribe() => _connection.SubscribeStats(null);

    /// <summary>A MIDI command, as <c>:midi</c> takes it (docs/midi.md): <c>bind cc 74 -&gt; lp.cutoffHz 80..8000 exp</c>, <c>learn 3 -&gt; drive</c>, <c>bank fx</c>, <c>list</c>.</summary>
    [JsonRpcMethod("midi/command")]
    public string MidiCommand(string command)
    {
        try
        {
            return Midi.MidiCommands.Execute(_performance.Midi, command);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            throw Invalid(e is ArgumentException argument ? Plain(argument) : e.Message);
        }
    }

    /// <summary>Ableton Link, as <c>:link</c> takes it (docs/link.md): <c>on</c>, <c>off</c>, or empty for the status line.</summary>
    [JsonRpcMethod("link/command")]
    public string LinkCommand(string command)
    {
        try
        {
            return _performance.LinkCommand(command);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw Invalid(e is ArgumentException argument ? Plain(argument) : e.Message);
        }
    }

    /// <summary>The controller banks in their saved (JSON) form.</summary>
    [JsonRpcMethod("midi/get")]
    public JsonNode MidiGet() => JsonNode.Parse(_performance.Midi.SaveJson())!;

    /// <summary>Replaces the controller banks with a saved form (as <c>midi/get</c> gives); on an error nothing changes.</summary>
    [JsonRpcMethod("midi/load")]
    public void MidiLoad(JsonObject banks)
    {
        try
        {
            _performance.Midi.LoadJson(banks.ToJsonString());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw Invalid(e is ArgumentException argument ? Plain(argument) : e.Message);
        }
    }

    /// <summary>Completions for the identifier ending at <paramref name="position"/> (a character offset in <paramref name="code"/>).</summary>
    [JsonRpcMethod("complete")]
    public string[] Complete(string language, string code, int position)
    {
        if (!_performance.TryGetLanguage(language, out ILiveLanguage? lang))
        {
            throw Invalid($"No language '{language}'.");
        }

        if (position < 0 || position > code.Length)
        {
            throw Invalid($"position {position} is outside the code (0..{code.Length}).");
        }

        return [.. lang!.Complete(code, position)];
    }

    private static Quantization ParseQuantize(string? text, Quantization fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        return Quantization.TryParse(text, out Quantization when, out string? error) ? when : throw Invalid(error!);
    }

    private static LocalRpcException Invalid(string message) => new(message) { ErrorCode = InvalidParams };

    private static LocalRpcException Invalid(ArgumentException e) => Invalid(Plain(e));

    /// <summary>
    /// An argument exception's message without what .NET appends for programmers (<c> (Parameter 'value')</c>,
    /// <c>Actual value was NaN.</c>): the editor gets the sentence the engine wrote.
    /// </summary>
    private static string Plain(ArgumentException e)
    {
        string message = e.Message;
        int actual = message.IndexOf("Actual value was", StringComparison.Ordinal);
        if (actual >= 0)
        {
            message = message[..actual];
        }

        if (e.ParamName is { } name)
        {
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }

        return message.Trim();
    }
}
