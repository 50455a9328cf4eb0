namespace LiveEngine.Snapshots;

/// <summary>
/// How render-ahead splits a snapshot that has live nodes (a hybrid snapshot): the deferred jobs render ahead in
/// large blocks and leave the outputs the live jobs read (the boundary) in a ring; the live jobs render one device
/// block ahead of the device, reading the boundary back into the same arena buffers first. Made by the snapshot's
/// constructor, off the audio path; null where a snapshot cannot be split (see <see cref="TryCreate"/>).
/// </summary>
/// <remarks>
/// Reading the boundary back into the producers' own buffers is safe because the compiler reuses a buffer only when
/// its new producer follows every reader of the value that held it: a live job that wrote a boundary value's buffer
/// before its live readers ran would have to precede the deferred producer, which would make that producer live.
/// </remarks>
internal sealed class HybridPlan
{
    /// <summary>The most arena channels a boundary may carry (the render-ahead ring's boundary channels).</summary>
    public const int MaxBoundaryChannels = 64;

    private HybridPlan(int[] liveOrder, int[] boundaryOffsets, bool[] parameterIsLive, bool[] nodeRunsLive)
    {
        LiveOrder = liveOrder;
        BoundaryOffsets = boundaryOffsets;
        ParameterIsLive = parameterIsLive;
        NodeRunsLive = nodeRunsLive;
    }

    /// <summary>The live jobs, in topological order.</summary>
    public int[] LiveOrder { get; }

    /// <summary>Arena offsets of the deferred outputs that live jobs (or the graph output) read.</summary>
    public int[] BoundaryOffsets { get; }

    /// <summary>By parameter index: whether a live job reads it (its change must land on the live pass's sample).</summary>
    public bool[] ParameterIsLive { get; }

    /// <summary>By node index: whether a live job runs the node's instance.</summary>
    public bool[] NodeRunsLive { get; }

    /// <summary>
    /// The plan for <paramref name="snapshot"/>, or null: it has no live node, a node's instance would run in both
    /// domains (a pinned node inside a voice bank), or its boundary is wider than <see cref="MaxBoundaryChannels"/>.
    /// </summary>
    public static HybridPlan? TryCreate(GraphSnapshot snapshot)
    {
        if (snapshot.IsDeferrable)
        {
            return null;
        }

        bool[] jobLive = snapshot.JobIsLive;
        JobInfo[] jobs = snapshot.Jobs;

        // 0: no job runs the node; 1: deferred jobs; 2: live jobs.
        var runs = new byte[snapshot.Nodes.Length];
        for (int j = 0; j < jobs.Length; j++)
        {
            JobInfo job = jobs[j];
            if (job.Kind == JobKind.Mix)
            {
                continue;
            }

            byte domain = jobLive[j] ? (byte)2 : (byte)1;
            if (job.Kind == JobKind.Bank)
            {
                foreach (int[] lane in snapshot.Banks[job.BankIndex].LaneNodes)
                {
                    foreach (int node in lane)
                    {
                        if (!Mark(runs, node, domain))
                        {
                            return null;
                        }
                    }
                }
            }
            else if (!Mark(runs, job.NodeIndex, domain))
            {
                return null;
            }
        }

        var nodeRunsLive = new bool[runs.Length];
        var parameterIsLive = new bool[snapshot.ParameterValues.Length];
        for (int n = 0; n < runs.Length; n++)
        {
            nodeRunsLive[n] = runs[n] == 2;
            if (snapshot.NodeIsLive[n] && runs[n] == 1)
            {
                // Pinned, but run by a deferred job (a lane of a bank): the pin could not be honoured.
                return null;
            }

            for (int p = snapshot.ParameterStarts[n]; p < snapshot.ParameterStarts[n + 1]; p++)
            {
                parameterIsLive[p] = nodeRunsLive[n];
            }
        }

        var boundary = new List<int>();
        var producerOfOffset = new Dictionary<int, int>();
        for (int j = 0; j < jobs.Length; j++)
        {
            for (int c = 0; c < jobs[j].OutputCount; c++)
            {
                producerOfOffset.TryAdd(snapshot.ChannelOffsets[jobs[j].OutputStart + c], j);
            }

            if (jobLive[j])
            {
                continue;
            }

            bool feedsLive = false;
            for (int s = snapshot.SuccessorStarts[j]; s < snapshot.SuccessorStarts[j + 1]; s++)
            {
                feedsLive |= jobLive[snapshot.Successors[s]];
            }

            if (feedsLive)
            {
                for (int c = 0; c < jobs[j].OutputCount; c++)
                {
                    AddOnce(boundary, snapshot.ChannelOffsets[jobs[j].OutputStart + c]);
                }
            }
        }

        // The graph output's buffers are its own (pinned): one written by a deferred job crosses too.
        foreach (int offset in snapshot.OutputOffsets)
        {
            if (offset != 0 && producerOfOffset.TryGetValue(offset, out int producer) && !jobLive[producer])
            {
                AddOnce(boundary, offset);
            }
        }

        if (boundary.Count > MaxBoundaryChannels)
        {
            return null;
        }

        int[] liveOrder = [.. snapshot.TopologicalOrder.Where(j => jobLive[j])];
        return new HybridPlan(liveOrder, [.. boundary], parameterIsLive, nodeRunsLive);
    }

    private static bool Mark(byte[] runs, int node, byte domain)
    {
        if (runs[node] != 0 && runs[node] != domain)
        {
            return false;
        }

        runs[node] = domain;
        return true;
    }

    private static void AddOnce(List<int> offsets, int offset)
    {
        if (!offsets.Contains(offset))
        {
            offsets.Add(offset);
        }
    }
}
