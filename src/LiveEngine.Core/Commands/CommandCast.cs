using System.Runtime.CompilerServices;

namespace LiveEngine.Commands;

/// <summary>
/// Views a generic command as the record its <see cref="ILiveCommand.Kind"/> names, without boxing: the executors
/// switch on the kind and read the fields through this. A command type whose kind is another record's is refused
/// (the check is on the two types, which the JIT decides when it specialises the method for a struct: free).
/// </summary>
public static class CommandCast
{
    public static ref readonly TRecord As<TCommand, TRecord>(in TCommand command)
        where TCommand : struct, ILiveCommand
        where TRecord : struct, ILiveCommand
    {
        if (typeof(TCommand) != typeof(TRecord))
        {
            Refuse(typeof(TCommand), typeof(TRecord));
        }

        return ref Unsafe.As<TCommand, TRecord>(ref Unsafe.AsRef(in command));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Refuse(Type command, Type record) =>
        throw new ArgumentException($"{command.Name} claims the kind of {record.Name}: a command's Kind must name its own record.");
}
