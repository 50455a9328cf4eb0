using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using LiveEngine.Commands;
using LiveEngine.Graph;
using LiveEngine.Languages;
using LiveEngine.Live;
using LiveEngine.Nodes;
using LiveEngine.Snapshots;
using LiveEngine.Time;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LiveEngine.CSharp;

/// <summary>
/// A C# REPL bound to a <see cref="LiveSession"/>: variables, functions and usings persist across submissions;
/// node classes become admitted node types of the session's registry; completions and signature help come from
/// Roslyn. One submission at a time (calls queue); control side only — compile here, never in the engine process.
/// </summary>
/// <remarks>
/// Design: each submission is emitted into its own collectible <see cref="AssemblyLoadContext"/> (never Roslyn
/// scripting's loader, which keeps every assembly: dotnet/roslyn#41722). A submission that declares nothing
/// (no variable, function, type or using) is not chained to the next one, so its context is unloaded right
/// after it runs unless a callback it registered still lives. Node classes are compiled apart (see
/// <see cref="SnippetCompiler"/>); a generation is unloaded when every type it defined has been redefined, and its
/// memory goes once no snapshot plays its instances.
/// </remarks>
public sealed class CSharpWorkspace : IDisposable
{
    private readonly NodeTypeRegistry _registry;
    private readonly AdmissionOptions _admission;
    private readonly SnippetLimits _limits;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Guarded by _gate.
    private readonly Dictionary<string, Assembly> _chainedAssemblies = new(StringComparer.Ordinal);
    private readonly List<string> _chainedUsings = [];
    private readonly StringBuilder _history = new();
    private readonly Dictionary<string, NodeGeneration> _typeOwners = new(StringComparer.Ordinal);
    private readonly List<NodeGeneration> _generations = [];
    private readonly List<WeakReference> _unloadingContexts = [];
    private CSharpCompilation? _previous;
    private object?[] _submissions = new object?[2];
    private int _submissionCount;
    private CompletionHost? _completion;

    // The budget of the evaluation running now, for an interrupt from another thread; null between evaluations.
    private volatile SnippetBudget? _running;

    // A warm-up scratch workspace keeps its node classes to itself: an engine in another process never sees them.
    private bool _scratch;

    /// <summary>
    /// Binds a REPL to <paramref name="session"/>, whose node types are <paramref name="registry"/>; snippets run
    /// within <paramref name="limits"/> (default <see cref="SnippetLimits"/>).
    /// </summary>
    public CSharpWorkspace(ILiveSession session, NodeTypeRegistry registry, AdmissionOptions? admission = null, SnippetLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(registry);
        Session = session;
        _registry = registry;
        _admission = admission ?? new AdmissionOptions { SampleRate = session.Options.SampleRate, BlockFrames = session.Options.MaxBlockFrames };
        _limits = limits ?? new SnippetLimits();
        Globals = new LiveGlobals(session, _limits);
        _submissions[0] = Globals;
    }

    public ILiveSession Session { get; }

    /// <summary>How long a snippet's code and its callbacks may run before they are stopped.</summary>
    public SnippetLimits Limits => _limits;

    /// <summary>The object whose members snippets call unqualified.</summary>
    public LiveGlobals Globals { get; }

    /// <summary>When a redefined node type's playing instances are replaced (default: the next bar line).</summary>
    public Quantization SwapAt { get; set; } = Quantization.NextBar;

    /// <summary>Node generations still loaded: those defining a type the registry holds.</summary>
    public int LoadedGenerations => _generations.Count;

    /// <summary>Load contexts (node generations and one-off submissions) unloaded but not yet collected.</summary>
    public int PendingUnloads
    {
        get
        {
            _unloadingContexts.RemoveAll(w => !w.IsAlive);
            return _unloadingContexts.Count;
        }
    }

    /// <summary>Submissions chained into the REPL state so far.</summary>
    public int ChainedSubmissions => _chainedAssemblies.Count;

    /// <summary>Compiles a trivial snippet, a node class and a completion so that the first real submission is fast.</summary>
    public async Task WarmUpAsync()
    {
        var scratch = new CSharpWorkspace(Session, new NodeTypeRegistry(), _admission, _limits) { _scratch = true };
        await scratch.EvaluateAsync("""
            [Node("warmup", Inputs = new[] { "in" })]
            [Param("level", 0, 1, 0.5f)]
            class WarmUp : UserNode
            {
                protected override void Render(in ProcessContext context)
                {
                    context.Input(0).CopyTo(context.Output(0));
                }
            }
            var x = 1 + 1;
            Print(x);
            """).ConfigureAwait(false);
        await scratch.CompletionsAsync("Vars.", 5).ConfigureAwait(false);
        scratch.Dispose();
    }

    /// <summary>
    /// Compiles, admits and runs <paramref name="code"/>. On a compile error or a rejected node nothing runs and the
    /// graph is unchanged. Code that runs past <see cref="SnippetLimits.EvaluationTimeout"/>, or is still running when
    /// <paramref name="cancellationToken"/> is cancelled, is stopped and reported (<c>STOP</c>); the workspace stays usable.
    /// </summary>
    public async Task<Evaluation> EvaluateAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);

        // A cancellation while waiting for the gate is not an exception: the snippet then runs interrupted at once.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            using CancellationTokenRegistration interrupt = cancellationToken.Register(() => _running?.Interrupt());

            // A thread of its own, not the thread pool: a snippet may spin or block for its whole budget, and the pool
            // of a busy process (Roslyn's own work, blocking callers) can leave a queued item waiting 0.5-1 s until its
            // starvation check adds a thread: time the performer waits with nothing running (docs/csharp.md).
            return await Task.Factory.StartNew(() => Evaluate(code, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Offers a host command to snippets (<see cref="LiveGlobals.Midi"/> calls "midi").</summary>
    public void AddHostCommand(string name, Func<string, string> command) => Globals.HostCommands[name] = command;

    /// <summary>Runs the <see cref="LiveGlobals.EveryBar"/> callbacks due before <paramref name="horizon"/>; returns their failures.</summary>
    public IReadOnlyList<string> Pump(long horizon) => Globals.RunDue(horizon);

    /// <summary>Completions at <paramref name="position"/> of <paramref name="code"/>, filtered by the word being typed.</summary>
    public async Task<IReadOnlyList<CompletionSuggestion>> CompletionsAsync(string code, int position)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)position, (uint)code.Length, nameof(position));
        CompletionHost host = await CompletionHostAsync().ConfigureAwait(false);
        return await host.CompletionsAsync(code, position).ConfigureAwait(false);
    }

    /// <summary>The signatures of the call around <paramref name="position"/>, or null outside an argument list.</summary>
    public async Task<SignatureHelp?> SignatureHelpAsync(string code, int position)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)position, (uint)code.Length, nameof(position));
        CompletionHost host = await CompletionHostAsync().ConfigureAwait(false);
        return await host.SignatureHelpAsync(code, position).ConfigureAwait(false);
    }

    /// <summary>The nodes of the playing snapshot that an exception in Process has silenced.</summary>
    public IReadOnlyList<NodeFault> Faults()
    {
        if (Session is not LiveSession local)
        {
            // The engine runs elsewhere: what it reported, in words.
            return [.. Session.Faults().Select(f => new NodeFault(f.NodeId, f.TypeName, null, f.Message))];
        }

        GraphSnapshot snapshot = local.Renderer.Current;
        var faults = new List<NodeFault>();
        for (int i = 0; i < snapshot.NodeFaulted.Length; i++)
        {
            // Acquire: pairs with the audio side's release, so the exception it stored before the flag is visible.
            if (Volatile.Read(ref snapshot.NodeFaulted[i]) != 0)
            {
                faults.Add(new NodeFault(snapshot.NodeIds[i], snapshot.NodeTypes[i].Name, Volatile.Read(ref snapshot.NodeExceptions[i])));
            }
        }

        return faults;
    }

    public void Dispose()
    {
        foreach (NodeGeneration generation in _generations)
        {
            generation.Unload();
        }

        _generations.Clear();
        _completion?.Dispose();
        _gate.Dispose();
    }

    private async Task<CompletionHost> CompletionHostAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _completion ??= new CompletionHost();
            _completion.SetHistory(_history.ToString(), _chainedUsings);
            return _completion;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Evaluation Evaluate(string code, CancellationToken cancellationToken)
    {
        var diagnostics = new List<EvaluationDiagnostic>();
        long start = Stopwatch.GetTimestamp();
        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, SnippetCompiler.ScriptParseOptions, path: "snippet", encoding: Encoding.UTF8);
        List<ClassDeclarationSyntax> nodeClasses = SnippetCompiler.NodeClasses(tree);
        (byte[]? Image, byte[]? Pdb) library = (null, null);
        if (nodeClasses.Count > 0)
        {
            string libraryText = SnippetCompiler.LibraryText(code, tree, nodeClasses);
            string name = "LiveEngine.UserNodes.s" + (_submissionCount + 1).ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N");
            library = SnippetCompiler.CompileLibrary(name, libraryText, _chainedUsings, diagnostics);
        }

        string scriptText = SnippetCompiler.ScriptText(code, nodeClasses);
        SyntaxTree scriptTree = CSharpSyntaxTree.ParseText(scriptText, SnippetCompiler.ScriptParseOptions, path: "snippet", encoding: Encoding.UTF8);
        string submissionName = "LiveEngine.Submission" + (++_submissionCount).ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N");
        CSharpCompilation? previous = _previous;
        CSharpCompilation Submission(SyntaxTree tree) => CSharpCompilation.CreateScriptCompilation(
            submissionName,
            tree,
            SnippetCompiler.References,
            SnippetCompiler.ScriptOptions(SnippetCompiler.DefaultUsings),
            previous,
            typeof(object),
            typeof(LiveGlobals));
        (CSharpCompilation submission, byte[]? scriptImage, byte[]? scriptPdb, SnippetSourceMap? map) = SnippetCompiler.EmitInterruptible(scriptTree, Submission, diagnostics);
        (byte[]? Image, byte[]? Pdb) script = (scriptImage, scriptPdb);
        double compileMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (diagnostics.Any(d => d.IsError))
        {
            return new Evaluation { Diagnostics = diagnostics, CompileMs = compileMs };
        }

        // Admission, off the audio thread: nothing is registered unless every node class passes.
        long admissionStart = Stopwatch.GetTimestamp();
        NodeGeneration? generation = null;
        if (library.Image is not null)
        {
            AdmissionResult admitted = NodeAdmission.Admit(library.Image, library.Pdb, _admission);
            foreach (string rejection in admitted.Rejections)
            {
                diagnostics.Add(AtClass(tree, nodeClasses, rejection));
            }

            generation = admitted.Generation;
            if (generation is not null)
            {
                foreach (NodeTypeDescriptor type in generation.Types)
                {
                    if (_registry.TryGet(type.Name, out _) && !_typeOwners.ContainsKey(type.Name))
                    {
                        diagnostics.Add(AtClass(tree, nodeClasses, $"node '{type.Name}' is a built-in type; give the class another name"));
                    }
                }
            }

            // An engine in another process admits the same bytes itself (it trusts no one's measurement) before
            // any graph there may use them.
            if (!diagnostics.Any(d => d.IsError) && !_scratch && Session is not LiveSession)
            {
                try
                {
                    Session.AdmitNodes(library.Image, library.Pdb);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    diagnostics.Add(AtClass(tree, nodeClasses, $"the engine refused the node class(es): {exception.Message}"));
                }
            }

            if (diagnostics.Any(d => d.IsError))
            {
                generation?.Unload();
                return new Evaluation { Diagnostics = diagnostics, CompileMs = compileMs, AdmissionMs = Stopwatch.GetElapsedTime(admissionStart).TotalMilliseconds };
            }
        }

        List<string> redefined = generation is null ? [] : Register(generation);
        double admissionMs = Stopwatch.GetElapsedTime(admissionStart).TotalMilliseconds;

        long runStart = Stopwatch.GetTimestamp();
        int commitsBefore = Globals.Commits;
        bool chained = DeclaresState(submission, scriptTree);

        // A submission with nothing to run (only usings) emits no image and no error.
        (object? value, Exception? failure) = script.Image is null ? (null, null) : Run(submission, script.Image, script.Pdb!, map, chained, cancellationToken);
        if (chained)
        {
            _previous = submission;
            _history.AppendLine(SnippetCompiler.WithoutUsings(scriptText, scriptTree));
            _chainedUsings.AddRange(scriptTree.GetCompilationUnitRoot().Usings.Select(u => u.ToString()));
        }

        // A redefined type replaces its playing instances at the swap time, unless the snippet committed a graph itself.
        var swapped = new List<string>();
        if (redefined.Count > 0 && Globals.Commits == commitsBefore)
        {
            GraphDescription graph = Session.Graph;
            swapped.AddRange(redefined.Where(name => graph.Nodes.Exists(n => n.Type == name)));
            if (swapped.Count > 0)
            {
                try
                {
                    Session.Commit(graph, SwapAt);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    diagnostics.Add(new EvaluationDiagnostic("error", "SWAP", $"redefined {string.Join(", ", swapped)} but the graph did not recompile: {exception.Message}", 0, 0));
                }
            }
        }
        else
        {
            swapped.AddRange(redefined);
        }

        if (failure is not null)
        {
            diagnostics.Add(SnippetDiagnostics.FromException(failure));
        }

        return new Evaluation
        {
            Ok = !diagnostics.Any(d => d.IsError),
            Error = diagnostics.Any(d => d.IsError) ? string.Join(Environment.NewLine, diagnostics.Where(d => d.IsError)) : null,
            Value = value,
            Output = Globals.TakeOutput(),
            Diagnostics = diagnostics,
            AdmittedNodes = generation?.Measurements ?? [],
            Redefined = swapped,
            CompileMs = compileMs,
            AdmissionMs = admissionMs,
            RunMs = Stopwatch.GetElapsedTime(runStart).TotalMilliseconds,
        };
    }

    /// <summary>An admission message, positioned at the class it names (by its node name or class name).</summary>
    private static EvaluationDiagnostic AtClass(SyntaxTree tree, List<ClassDeclarationSyntax> classes, string message)
    {
        ClassDeclarationSyntax? named = classes.Find(c =>
            message.StartsWith($"class {c.Identifier.ValueText} ", StringComparison.Ordinal)
            || c.AttributeLists.SelectMany(a => a.Attributes).Any(a =>
                a.Name.ToString() is "Node" or "NodeAttribute"
                && a.ArgumentList?.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax literal
                && message.StartsWith($"node '{literal.Token.ValueText}'", StringComparison.Ordinal)));
        if (named is null)
        {
            return new EvaluationDiagnostic("error", "ADMIT", message, 0, 0);
        }

        LinePosition at = tree.GetLineSpan(named.Identifier.Span).StartLinePosition;
        return new EvaluationDiagnostic("error", "ADMIT", message, at.Line + 1, at.Character + 1);
    }

    /// <summary>Puts a generation's types into the registry; unloads generations none of whose types remain.</summary>
    private List<string> Register(NodeGeneration generation)
    {
        var redefined = new List<string>();
        foreach (NodeTypeDescriptor type in generation.Types)
        {
            if (_typeOwners.ContainsKey(type.Name))
            {
                redefined.Add(type.Name);
            }

            _registry.Register(type);
            _typeOwners[type.Name] = generation;
        }

        _generations.Add(generation);
        foreach (NodeGeneration old in _generations.Where(g => !_typeOwners.ContainsValue(g)).ToList())
        {
            _generations.Remove(old);
            TrackUnload(old);
        }

        return redefined;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TrackUnload(NodeGeneration generation)
    {
        _unloadingContexts.Add(new WeakReference(generation));
        generation.Unload();
    }

    /// <summary>A submission joins the chain only if later ones can refer to something it declared.</summary>
    private static bool DeclaresState(CSharpCompilation submission, SyntaxTree tree) =>
        tree.GetCompilationUnitRoot().Usings.Count > 0
        || (submission.ScriptClass?.GetMembers().Any(m => !m.IsImplicitlyDeclared) ?? false);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private (object? Value, Exception? Failure) Run(CSharpCompilation submission, byte[] image, byte[] pdb, SnippetSourceMap? map, bool chained, CancellationToken cancellationToken)
    {
        IMethodSymbol? entry = submission.GetEntryPoint(CancellationToken.None);
        if (entry is null)
        {
            return (null, null);
        }

        var context = new SubmissionLoadContext(submission.AssemblyName!, _chainedAssemblies);
        Assembly assembly;
        using (var imageStream = new MemoryStream(image, writable: false))
        using (var pdbStream = new MemoryStream(pdb, writable: false))
        {
            assembly = context.LoadFromStream(imageStream, pdbStream);
        }

        if (map is not null)
        {
            SnippetSourceMap.Register(assembly, map);
        }

        if (_submissions.Length < _chainedAssemblies.Count + 2)
        {
            Array.Resize(ref _submissions, (_chainedAssemblies.Count + 2) * 2);
        }

        object? value = null;
        Exception? failure = null;
        MethodInfo factory = assembly.GetType(entry.ContainingType.MetadataName, throwOnError: true)!
            .GetMethod(entry.MetadataName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
        var budget = new SnippetBudget("C# snippet", _limits.EvaluationTimeout, _limits.StackBytes);
        _running = budget;
        if (cancellationToken.IsCancellationRequested)
        {
            budget.Interrupt();
        }

        try
        {
            using SnippetBudget.Scope armed = budget.Arm();
            var task = (Task<object>)factory.Invoke(null, [_submissions])!;
            value = task.GetAwaiter().GetResult();
        }
        catch (TargetInvocationException exception)
        {
            failure = exception.InnerException ?? exception;
        }
        catch (Exception exception)
        {
            failure = exception;
        }
        finally
        {
            _running = null;
        }

        // However the snippet tried to swallow it, a stop is what is reported (with the line that was running).
        if (budget.Stopped is { } stop)
        {
            failure = stop;
        }

        if (chained)
        {
            _chainedAssemblies[assembly.GetName().Name!] = assembly;
        }
        else
        {
            // Nothing later can name this submission: drop its instance and let its context go.
            Array.Clear(_submissions, _chainedAssemblies.Count + 1, _submissions.Length - _chainedAssemblies.Count - 1);
            _unloadingContexts.Add(new WeakReference(context, trackResurrection: true));
            context.Unload();
        }

        return (value, failure);
    }

    /// <summary>A submission's collectible context: earlier submissions come from their own contexts, the engine from the default one.</summary>
    private sealed class SubmissionLoadContext(string name, Dictionary<string, Assembly> chained) : AssemblyLoadContext(name, isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } n && chained.TryGetValue(n, out Assembly? assembly) ? assembly : null;
    }
}
