using System.Diagnostics;
using System.Text.Json;
using LiveEngine.Snapshots;

namespace LiveEngine.Scheduling;

/// <summary>
/// Writes a profiler's timelines as Chrome/Perfetto Trace Event JSON (the "JSON Object Format" of the Trace
/// Event Format document): one thread per worker with a complete ("X") event per job, a "blocks" thread with
/// one event per block, and thread-name metadata. Control thread only; opens in ui.perfetto.dev or
/// chrome://tracing.
/// </summary>
public static class ChromeTraceWriter
{
    /// <summary>Thread id of the per-block track.</summary>
    public const int BlockTrackId = 1000;

    public static void Write(ExecutionProfiler profiler, GraphSnapshot snapshot, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(stream);
        var events = new List<(int Worker, TraceEvent Event)>();
        for (int w = 0; w < profiler.Workers; w++)
        {
            events.AddRange(profiler.Events(w).Select(e => (w, e)));
        }

        long origin = events.Count == 0 ? 0 : events.Min(e => e.Event.Start);
        double usPerTick = 1e6 / Stopwatch.Frequency;
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartArray("traceEvents");
        WriteThreadName(json, BlockTrackId, "blocks");
        for (int w = 0; w < profiler.Workers; w++)
        {
            WriteThreadName(json, w, w == 0 ? "worker 0 (audio thread)" : $"worker {w}");
        }

        foreach ((int worker, TraceEvent e) in events.OrderBy(e => e.Event.Start))
        {
            json.WriteStartObject();
            bool isBlock = e.Kind == TraceEventKind.Block;
            json.WriteString("name", isBlock ? $"block {e.Block}" : snapshot.DescribeJob(e.Job));
            json.WriteString("cat", isBlock ? "block" : e.Kind == TraceEventKind.StolenJob ? "job,stolen" : "job");
            json.WriteString("ph", "X");
            json.WriteNumber("ts", Math.Round((e.Start - origin) * usPerTick, 3));
            json.WriteNumber("dur", Math.Round((e.End - e.Start) * usPerTick, 3));
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", isBlock ? BlockTrackId : worker);
            json.WriteStartObject("args");
            json.WriteNumber("block", e.Block);
            if (!isBlock)
            {
                json.WriteNumber("job", e.Job);
                json.WriteBoolean("stolen", e.Kind == TraceEventKind.StolenJob);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteThreadName(Utf8JsonWriter json, int tid, string name)
    {
        json.WriteStartObject();
        json.WriteString("name", "thread_name");
        json.WriteString("ph", "M");
        json.WriteNumber("pid", 1);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
