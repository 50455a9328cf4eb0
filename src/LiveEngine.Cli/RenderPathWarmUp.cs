using System.Reflection;
using System.Runtime.CompilerServices;
using LiveEngine.Dsp.Kernels;
using LiveEngine.Dsp.Nodes;
using LiveEngine.Execution;
using LiveEngine.Kernels;
using LiveEngine.Scheduling;

namespace LiveEngine.Cli;

/// <summary>
/// Gets the render path ready ahead of its first block, on a thread of its own, while the command line is parsed and
/// the graph is built and compiled: it builds the band-limited oscillators' tables and compiles the executors, the
/// scheduler's worker loop, the saw/filter voice bank and its kernels, the mix tree and the output node. These
/// methods carry <see cref="MethodImplOptions.AggressiveOptimization"/> (<c>RenderPathJitTests</c>,
/// <c>SawBankJitTests</c>), so ReadyToRun leaves them out and each is compiled fully optimized at its first call:
/// with the tables, 40-80 ms that the first block waited for on the audio thread, serial start-up of every render
/// whatever its thread count. Done here, on another core where there is one, the first block finds them ready (a
/// method or table being built here when the audio thread needs it is waited for, never built twice). The bits are
/// the same either way; only where the work happens moves.
/// </summary>
internal static class RenderPathWarmUp
{
    /// <summary>
    /// The commands that render audio in this process, the first thing each does being to build a graph. Not the
    /// engine process (<c>engine</c>, started by the REPL and <c>serve</c>): its first graph comes later, over its
    /// socket, and its soak counts every byte and collection of the process, which the tables' 3 MB of temporary
    /// arrays, built for a graph that may have no saw, would disturb.
    /// </summary>
    private static readonly string[] s_renderingCommands = ["render", "play", "bench", "replay"];

    /// <summary>Whether the command in <paramref name="args"/> renders audio in this process (the warm-up then pays).</summary>
    public static bool PaysFor(IReadOnlyList<string> args) => args.Count > 0 && s_renderingCommands.Contains(args[0], StringComparer.Ordinal);

    /// <summary>Starts compiling the render path on a background thread (it does not keep the process alive). Control thread.</summary>
    public static Thread Start()
    {
        var thread = new Thread(() => CompileAll())
        {
            IsBackground = true,
            Name = "liveengine render-path warm-up",
        };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Builds the band-limited oscillators' tables (<see cref="BlepTable"/>'s static constructor: 13-50 ms, which the
    /// first block of every graph with a saw waited for), then compiles every method of <see cref="Methods"/>, on the
    /// calling thread; returns how many methods it compiled.
    /// </summary>
    public static int CompileAll()
    {
        int compiled = CompileAllMethods();
        Volatile.Write(ref s_finished, System.Diagnostics.Stopwatch.GetTimestamp());
        return compiled;
    }

    /// <summary>The Stopwatch timestamp at which <see cref="CompileAll"/> last finished; 0 until it has (<c>render --timing</c>).</summary>
    public static long Finished => Volatile.Read(ref s_finished);

    private static long s_finished;

    private static int CompileAllMethods()
    {
        RuntimeHelpers.RunClassConstructor(typeof(BlepTable).TypeHandle);
        int compiled = 0;
        foreach ((RuntimeMethodHandle method, RuntimeTypeHandle[]? instantiation) in Methods())
        {
            try
            {
                if (instantiation is null)
                {
                    RuntimeHelpers.PrepareMethod(method);
                }
                else
                {
                    RuntimeHelpers.PrepareMethod(method, instantiation);
                }

                compiled++;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or TypeLoadException or BadImageFormatException)
            {
                // A method the runtime will not prepare ahead (none today) is simply compiled at its first call, as
                // without the warm-up.
            }
        }

        return compiled;
    }

    /// <summary>
    /// The types whose <see cref="MethodImplOptions.AggressiveOptimization"/> methods the warm-up compiles: the executors
    /// and the scheduler's worker loop, then the saw/filter voice bank with its kernels (the standard voices, a piece's
    /// saw voices), the mixer and the output node. The other bank kinds are left to their first call: compiling every
    /// optimized method of the DSP assembly took 60-85 ms of CPU at each start, most of it for banks a graph does not have.
    /// </summary>
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(SingleThreadExecutor), typeof(JobRunner), typeof(ParallelExecutor),
        typeof(SawFilterVoiceBank), typeof(VoiceBankSawKernels), typeof(VoiceBankKernels), typeof(MixerNode), typeof(MasterNode),
    ];

    /// <summary>
    /// The render path: the non-generic methods of <see cref="Types"/> marked
    /// <see cref="MethodImplOptions.AggressiveOptimization"/>, in that order, with the mix tree's add
    /// (<see cref="VectorKernels.Binary{TOperator}"/> over <see cref="AddOperator"/>), the one generic one every banked
    /// graph runs, after the executors.
    /// </summary>
    public static IEnumerable<(RuntimeMethodHandle Method, RuntimeTypeHandle[]? Instantiation)> Methods()
    {
        MethodInfo binary = typeof(VectorKernels).GetMethod(nameof(VectorKernels.Binary), BindingFlags.Public | BindingFlags.Static)!;
        return Optimized(Types.Take(3))
            .Append((binary.MethodHandle, (RuntimeTypeHandle[]?)[typeof(AddOperator).TypeHandle]))
            .Concat(Optimized(Types.Skip(3)));
    }

    private static IEnumerable<(RuntimeMethodHandle Method, RuntimeTypeHandle[]? Instantiation)> Optimized(IEnumerable<Type> types)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (Type type in types)
        {
            if (type.ContainsGenericParameters)
            {
                continue;
            }

            foreach (MethodBase method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (!method.IsAbstract && !method.ContainsGenericParameters && method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization))
                {
                    yield return (method.MethodHandle, null);
                }
            }
        }
    }
}
