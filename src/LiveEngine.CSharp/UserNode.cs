using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveEngine.Nodes;

namespace LiveEngine.CSharp;

/// <summary>
/// Base class of DSP node types written in C# by users (see docs/csharp.md). A subclass carries a
/// <see cref="NodeAttribute"/>, any number of <see cref="ParamAttribute"/>s, sizes its state in
/// <see cref="Setup"/> and renders in <see cref="Render"/> (audio path: no allocation, no lock, no throw).
/// </summary>
/// <remarks>
/// Design: redefining a class hot-swaps its instances. When the graph compiler hands a new instance the one it
/// replaces (same node id and type name), the new instance adopts the old one's instance fields if both classes
/// declare the same fields (name and type); arrays are copied when their lengths agree. The copy runs again at the
/// new instance's first block, so the state is the old instance's at the swap sample, not at compile time. Otherwise the old instance
/// keeps running inside the new one for <see cref="CrossfadeMs"/> and its output fades into the new output, so a
/// change of algorithm does not click.
/// </remarks>
public abstract unsafe class UserNode : AudioNode
{
    /// <summary>Length of the crossfade from a redefined instance whose state cannot be adopted.</summary>
    public const double CrossfadeMs = 20;

    // Control thread: set by Prepare.
    private IReadOnlyList<PortDescriptor> _inputs = [PortDescriptor.PerNode("in")];
    private IReadOnlyList<PortDescriptor> _outputs = [PortDescriptor.PerNode("out")];
    private int _inputChannels;
    private int _outputChannels;
    private float[] _initialParameters = [];

    // Audio thread only (after Prepare): the state adopted at the first block, and the crossfade from a replaced instance.
    private UserNode? _adoptFrom;
    private Action<UserNode, UserNode>? _adopter;
    private UserNode? _fadeFrom;
    private float[]? _fadeParameters;
    private float[] _scratch = [];
    private float* _scratchBase;
    private int[] _scratchInputs = [];
    private int[] _scratchOutputs = [];
    private long _fadePosition;
    private long _fadeFrames;

    /// <summary>Frames per second, set before <see cref="Setup"/>.</summary>
    protected int SampleRate { get; private set; }

    /// <summary>The largest block <see cref="Render"/> will see.</summary>
    protected int MaxBlockFrames { get; private set; }

    /// <summary>The node's channel count.</summary>
    protected int Channels { get; private set; }

    /// <summary>A seed derived from the session seed and the node's id.</summary>
    protected ulong Seed { get; private set; }

    /// <summary>How the last <see cref="Prepare"/> treated the instance it replaced.</summary>
    public HotSwapMode SwapMode { get; private set; }

    /// <summary>True while the replaced instance still sounds under the crossfade. Audio thread state; for tests.</summary>
    public bool IsCrossfading => Volatile.Read(ref _fadeFrom) is not null;

    internal void SetPorts(IReadOnlyList<PortDescriptor> inputs, IReadOnlyList<PortDescriptor> outputs)
    {
        _inputs = inputs;
        _outputs = outputs;
    }

    public sealed override void Prepare(in PrepareContext context, AudioNode? previous)
    {
        SampleRate = context.SampleRate;
        MaxBlockFrames = context.MaxBlockFrames;
        Channels = context.Channels;
        Seed = context.Seed;
        _initialParameters = context.Parameters.ToArray();
        _inputChannels = CountChannels(_inputs, context.Channels);
        _outputChannels = CountChannels(_outputs, context.Channels);
        _fadeFrom = null;
        _adoptFrom = null;
        SwapMode = HotSwapMode.Fresh;
        Setup(context);
        if (previous is not UserNode old)
        {
            return;
        }

        Action<UserNode, UserNode>? adopter = CreateAdopter(old);
        if (adopter is not null)
        {
            // Once now (which also compiles the copy), and once more at the first block of this instance, when the
            // old instance has rendered its last block: the state carries over from the exact swap sample.
            adopter(old, this);
            _adoptFrom = old;
            _adopter = adopter;
            SwapMode = HotSwapMode.Adopted;
        }
        else if (old._inputChannels == _inputChannels && old._outputChannels == _outputChannels && old.SampleRate == SampleRate)
        {
            StartCrossfade(old, context);
            SwapMode = HotSwapMode.Crossfaded;
        }
    }

    public sealed override void Process(in ProcessContext context)
    {
        if (_adoptFrom is not null)
        {
            _adopter!(_adoptFrom, this);
            _adoptFrom = null;
        }

        Render(in context);
        if (_fadeFrom is not null)
        {
            RenderCrossfade(in context);
        }
    }

    public override void Reset()
    {
        _fadeFrom = null;
        _adoptFrom = null;
    }

    /// <summary>Sizes the node's state. Control thread; may allocate. <see cref="SampleRate"/> and friends are set.</summary>
    protected virtual void Setup(in PrepareContext context)
    {
    }

    /// <summary>
    /// Renders one block into every output channel. Audio path: allocation-free, lock-free, must not throw (an
    /// exception silences the node until it is replaced, and is reported).
    /// </summary>
    protected abstract void Render(in ProcessContext context);

    private static int CountChannels(IReadOnlyList<PortDescriptor> ports, int nodeChannels)
    {
        int sum = 0;
        foreach (PortDescriptor port in ports)
        {
            sum += port.ResolveChannels(nodeChannels);
        }

        return sum;
    }

    /// <summary>The instance fields a user class declares (its own and its user base classes', not this class's).</summary>
    internal static List<FieldInfo> StateFields(Type type)
    {
        var fields = new List<FieldInfo>();
        for (Type? t = type; t is not null && t != typeof(UserNode); t = t.BaseType)
        {
            fields.AddRange(t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        }

        return fields;
    }

    /// <summary>
    /// Builds the copy of <paramref name="old"/>'s fields into this instance's, if both classes declare the same
    /// fields: a compiled delegate (no boxing), so that it can run again on the audio thread at the swap.
    /// </summary>
    private Action<UserNode, UserNode>? CreateAdopter(UserNode old)
    {
        List<FieldInfo> mine = StateFields(GetType());
        List<FieldInfo> theirs = StateFields(old.GetType());
        if (mine.Count != theirs.Count)
        {
            return null;
        }

        ParameterExpression from = Expression.Parameter(typeof(UserNode), "from");
        ParameterExpression to = Expression.Parameter(typeof(UserNode), "to");
        Expression source = Expression.Convert(from, old.GetType());
        Expression target = Expression.Convert(to, GetType());
        var copies = new List<Expression>();
        foreach (FieldInfo field in mine)
        {
            FieldInfo? match = theirs.Find(f => f.Name == field.Name && f.FieldType == field.FieldType);
            if (match is null || field.IsInitOnly)
            {
                return null;
            }

            MemberExpression read = Expression.Field(source, match);
            MemberExpression write = Expression.Field(target, field);
            if (field.FieldType.IsArray)
            {
                // Setup sized a fresh array: take the old contents when the lengths agree, else keep it fresh.
                copies.Add(Expression.IfThen(
                    Expression.AndAlso(
                        Expression.AndAlso(Expression.NotEqual(read, Expression.Constant(null, field.FieldType)), Expression.NotEqual(write, Expression.Constant(null, field.FieldType))),
                        Expression.Equal(Expression.ArrayLength(read), Expression.ArrayLength(write))),
                    Expression.Call(typeof(Array).GetMethod(nameof(Array.Copy), [typeof(Array), typeof(Array), typeof(int)])!, read, write, Expression.ArrayLength(read))));
            }
            else
            {
                copies.Add(Expression.Assign(write, read));
            }
        }

        copies.Add(Expression.Empty());
        return Expression.Lambda<Action<UserNode, UserNode>>(Expression.Block(copies), from, to).Compile();
    }

    private void StartCrossfade(UserNode old, in PrepareContext context)
    {
        int maxFrames = context.MaxBlockFrames;
        int channels = _inputChannels + _outputChannels;

        // Pinned so that the replaced instance can be handed a ProcessContext over it; 16 spare floats align the base to 64 bytes.
        _scratch = GC.AllocateArray<float>((channels * maxFrames) + 16, pinned: true);
        float* first = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratch));
        _scratchBase = (float*)(((nuint)first + 63) & ~(nuint)63);
        _scratchInputs = new int[_inputChannels];
        _scratchOutputs = new int[_outputChannels];
        for (int c = 0; c < _inputChannels; c++)
        {
            _scratchInputs[c] = c * maxFrames;
        }

        for (int c = 0; c < _outputChannels; c++)
        {
            _scratchOutputs[c] = (_inputChannels + c) * maxFrames;
        }

        _fadeParameters = old._initialParameters.Length == _initialParameters.Length ? null : old._initialParameters;
        _fadePosition = 0;
        _fadeFrames = Math.Max(1, (long)(CrossfadeMs * SampleRate / 1000));
        _fadeFrom = old;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RenderCrossfade(in ProcessContext context)
    {
        UserNode old = _fadeFrom!;
        int frames = context.Frames;
        for (int c = 0; c < _inputChannels; c++)
        {
            context.Input(c).CopyTo(new Span<float>(_scratchBase + _scratchInputs[c], frames));
        }

        ReadOnlySpan<float> parameters = _fadeParameters is null ? context.Parameters : _fadeParameters;
        var oldContext = new ProcessContext(_scratchBase, _scratchInputs, _scratchOutputs, parameters, frames, context.SampleTime);
        old.Process(in oldContext);
        float step = 1f / _fadeFrames;
        for (int c = 0; c < _outputChannels; c++)
        {
            Span<float> output = context.Output(c);
            var faded = new ReadOnlySpan<float>(_scratchBase + _scratchOutputs[c], frames);
            for (int i = 0; i < frames; i++)
            {
                float gain = Math.Min(1f, (_fadePosition + i + 1) * step);
                output[i] = (output[i] * gain) + (faded[i] * (1f - gain));
            }
        }

        _fadePosition += frames;
        if (_fadePosition >= _fadeFrames)
        {
            // The replaced instance is dropped here, not freed: the collector reclaims it on its own thread.
            _fadeFrom = null;
        }
    }
}
