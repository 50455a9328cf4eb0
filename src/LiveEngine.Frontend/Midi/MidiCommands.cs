using System.Globalization;
using System.Text;
using LiveEngine.Midi.Control;

namespace LiveEngine.Frontend.Midi;

/// <summary>
/// The MIDI commands of the REPL (<c>:midi …</c>) and the socket (<c>midi/command</c>), over the performance's
/// <see cref="MidiControl"/>:
/// <c>list</c>; <c>bind [SLOT] SPEC</c>; <c>unbind SLOT</c>; <c>learn SLOT -&gt; TARGET [MIN..MAX] [curve] [smooth MS] [soft]</c>;
/// <c>cancel</c>; <c>bank NAME|N</c> (a new name adds a bank); <c>save FILE</c>; <c>load FILE</c>.
/// Slots and banks count from 1. A mistake throws <see cref="FormatException"/> or <see cref="ArgumentException"/> with the reason.
/// </summary>
public static class MidiCommands
{
    public const string Usage = "midi commands: list | bind [SLOT] SPEC | unbind SLOT | learn SLOT -> TARGET [MIN..MAX] [lin|exp|log] [smooth MS] [soft] | cancel | bank NAME|N | save FILE | load FILE   (SPEC: e.g. cc 74 ch 1 -> lp.cutoffHz 80..8000 exp smooth 30 soft)";

    public static string Execute(MidiControl midi, string text)
    {
        ArgumentNullException.ThrowIfNull(midi);
        string[] parts = (text ?? "").Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string verb = parts.Length == 0 ? "list" : parts[0];
        string rest = parts.Length > 1 ? parts[1] : "";
        switch (verb)
        {
            case "list":
                return List(midi);
            case "bind":
                {
                    int? slot = null;
                    string[] words = rest.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length == 2 && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out int given))
                    {
                        slot = given;
                        rest = words[1];
                    }

                    ControllerBinding binding = MidiBindingSyntax.Parse(rest);
                    int bound = slot is { } s ? BindAt(midi, s, binding) : midi.Bind(binding);
                    return $"bank {midi.ActiveBank + 1} slot {bound + 1}: {MidiBindingSyntax.Format(binding)}";
                }

            case "unbind":
                {
                    int slot = Slot(rest);
                    midi.Unbind(midi.ActiveBank, slot);
                    return $"bank {midi.ActiveBank + 1} slot {slot + 1} is free";
                }

            case "learn":
                {
                    string[] words = rest.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length < 2)
                    {
                        throw new FormatException("learn SLOT -> TARGET [MIN..MAX] [lin|exp|log] [smooth MS] [soft]");
                    }

                    int slot = Slot(words[0]);
                    ControllerBinding shape = MidiBindingSyntax.Parse("cc 0 " + words[1]);
                    midi.Learn(midi.ActiveBank, slot, shape.Target, shape.Min, shape.Max, shape.Curve, shape.SmoothingMs, shape.SoftTakeover);
                    return $"learning: move a controller to bind it to {shape.Target} (bank {midi.ActiveBank + 1} slot {slot + 1})";
                }

            case "cancel":
                midi.CancelLearn();
                return "learn cancelled";
            case "bank":
                {
                    if (rest.Length == 0)
                    {
                        return $"bank {midi.ActiveBank + 1} ({midi.BankNames[midi.ActiveBank]}) of {string.Join(", ", midi.BankNames)}";
                    }

                    if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
                    {
                        midi.SwitchBank(number - 1);
                    }
                    else
                    {
                        if (!midi.BankNames.Contains(rest))
                        {
                            midi.AddBank(rest);
                        }

                        midi.SwitchBank(rest);
                    }

                    return $"bank {midi.ActiveBank + 1} ({midi.BankNames[midi.ActiveBank]})";
                }

            case "save":
                if (rest.Length == 0)
                {
                    throw new FormatException("save FILE");
                }

                File.WriteAllText(rest, midi.SaveJson());
                return $"saved the banks to {rest}";
            case "load":
                if (rest.Length == 0 || !File.Exists(rest))
                {
                    throw new FormatException(rest.Length == 0 ? "load FILE" : $"No file {rest}.");
                }

                midi.LoadJson(File.ReadAllText(rest));
                return $"loaded the banks from {rest}";
            default:
                throw new FormatException($"'{verb}': " + Usage);
        }
    }

    private static int BindAt(MidiControl midi, int slot, ControllerBinding binding)
    {
        int index = slot - 1;
        midi.Bind(midi.ActiveBank, index, binding);
        return index;
    }

    private static int Slot(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int slot) && slot >= 1
            ? slot - 1
            : throw new FormatException($"'{text}' is not a slot number (from 1).");

    private static string List(MidiControl midi)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"bank {midi.ActiveBank + 1} ({midi.BankNames[midi.ActiveBank]}) of {midi.BankNames.Count}; {midi.Messages} messages, {midi.Applied} applied, {midi.Errors} errors");
        if (midi.IsLearning)
        {
            text.Append("; learning");
        }

        for (int slot = 0; slot < 128; slot++)
        {
            ControllerBinding? binding;
            try
            {
                binding = midi.BindingAt(midi.ActiveBank, slot);
            }
            catch (ArgumentOutOfRangeException)
            {
                break;
            }

            if (binding is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  {slot + 1,3}: {MidiBindingSyntax.Format(binding)}");
            }
        }

        return text.ToString();
    }
}
