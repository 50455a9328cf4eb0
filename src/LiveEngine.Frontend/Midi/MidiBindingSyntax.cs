using System.Globalization;
using System.Text;
using LiveEngine.Midi.Control;

namespace LiveEngine.Frontend.Midi;

/// <summary>
/// The text form of a controller binding, for the REPL (<c>:midi bind …</c>) and the socket:
/// <c>SOURCE [ch N] [group G] -&gt; TARGET [MIN..MAX] [lin|exp|log] [smooth MS] [soft]</c>.
/// SOURCE: <c>cc N</c>, <c>rpn MSB.LSB</c> (or a 14-bit number), <c>nrpn MSB.LSB</c>, <c>pb</c>, <c>pressure</c>,
/// <c>poly NOTE</c>, <c>pnc NOTE.CONTROLLER</c>, <c>pnpb NOTE</c>. Channels and groups count from 1 as on devices;
/// left out, any. TARGET: <c>node.param</c> for a node parameter, a plain name for a named variable.
/// Example: <c>cc 74 ch 1 -&gt; lp.cutoffHz 80..8000 exp smooth 30 soft</c>.
/// </summary>
public static class MidiBindingSyntax
{
    public static ControllerBinding Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int arrow = text.IndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            throw new FormatException($"'{text}': a binding is SOURCE -> TARGET, e.g. 'cc 74 -> lp.cutoffHz 80..8000 exp'.");
        }

        ControlSource source = ParseSource(text[..arrow].Trim());
        string[] right = text[(arrow + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (right.Length == 0)
        {
            throw new FormatException($"'{text}': name a target after '->': node.param or a variable name.");
        }

        string targetText = right[0];
        ControlTarget target;
        int dot = targetText.IndexOf('.');
        if (dot > 0 && dot < targetText.Length - 1)
        {
            target = ControlTarget.ForParameter(targetText[..dot], targetText[(dot + 1)..]);
        }
        else if (LiveEngine.Control.NamedVariables.IsValidName(targetText))
        {
            target = ControlTarget.ForVariable(targetText);
        }
        else
        {
            throw new FormatException($"'{targetText}' is neither node.param nor a variable name.");
        }

        double min = 0, max = 1, smooth = 0;
        ControlCurve curve = ControlCurve.Linear;
        bool soft = false;
        for (int i = 1; i < right.Length; i++)
        {
            string word = right[i];
            switch (word)
            {
                case "lin":
                    curve = ControlCurve.Linear;
                    break;
                case "exp":
                    curve = ControlCurve.Exponential;
                    break;
                case "log":
                    curve = ControlCurve.Logarithmic;
                    break;
                case "soft":
                    soft = true;
                    break;
                case "smooth":
                    if (i + 1 >= right.Length || !double.TryParse(right[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out smooth) || smooth < 0)
                    {
                        throw new FormatException("'smooth' takes a time in milliseconds, e.g. 'smooth 30'.");
                    }

                    break;
                default:
                    int range = word.IndexOf("..", StringComparison.Ordinal);
                    if (range > 0
                        && double.TryParse(word[..range], NumberStyles.Float, CultureInfo.InvariantCulture, out min)
                        && double.TryParse(word[(range + 2)..], NumberStyles.Float, CultureInfo.InvariantCulture, out max))
                    {
                        break;
                    }

                    throw new FormatException($"'{word}': after the target come MIN..MAX, lin|exp|log, smooth MS and soft.");
            }
        }

        var binding = new ControllerBinding(source, target, min, max, curve, smooth, soft);
        binding.Validate();
        return binding;
    }

    public static string Format(ControllerBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ControlSource s = binding.Source;
        var text = new StringBuilder();
        text.Append(s.Kind switch
        {
            ControlSourceKind.ControlChange => $"cc {s.Index}",
            ControlSourceKind.Rpn => $"rpn {s.Index >> 7}.{s.Index & 127}",
            ControlSourceKind.Nrpn => $"nrpn {s.Index >> 7}.{s.Index & 127}",
            ControlSourceKind.PerNoteController => $"pnc {s.Index >> 8}.{s.Index & 255}",
            ControlSourceKind.PitchBend => "pb",
            ControlSourceKind.PerNotePitchBend => $"pnpb {s.Index}",
            ControlSourceKind.ChannelPressure => "pressure",
            ControlSourceKind.PolyPressure => $"poly {s.Index}",
            _ => s.Kind.ToString(),
        });
        if (s.Channel >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" ch {s.Channel + 1}");
        }

        if (s.Group >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" group {s.Group + 1}");
        }

        text.Append(CultureInfo.InvariantCulture, $" -> {binding.Target} {binding.Min}..{binding.Max}");
        text.Append(binding.Curve switch { ControlCurve.Exponential => " exp", ControlCurve.Logarithmic => " log", _ => "" });
        if (binding.SmoothingMs > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" smooth {binding.SmoothingMs}");
        }

        if (binding.SoftTakeover)
        {
            text.Append(" soft");
        }

        return text.ToString();
    }

    private static ControlSource ParseSource(string text)
    {
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            throw new FormatException("Name a source before '->': cc N, rpn MSB.LSB, nrpn MSB.LSB, pb, pressure, poly NOTE, pnc NOTE.CONTROLLER, pnpb NOTE.");
        }

        int i = 0;
        string kind = words[i++];
        (ControlSourceKind Kind, int Index) parsed = kind switch
        {
            "cc" => (ControlSourceKind.ControlChange, Number(words, ref i, 0, 127, "cc")),
            "rpn" => (ControlSourceKind.Rpn, Pair(words, ref i, 7, "rpn")),
            "nrpn" => (ControlSourceKind.Nrpn, Pair(words, ref i, 7, "nrpn")),
            "pnc" => (ControlSourceKind.PerNoteController, Pair(words, ref i, 8, "pnc")),
            "pb" => (ControlSourceKind.PitchBend, 0),
            "pressure" => (ControlSourceKind.ChannelPressure, 0),
            "poly" => (ControlSourceKind.PolyPressure, Number(words, ref i, 0, 127, "poly")),
            "pnpb" => (ControlSourceKind.PerNotePitchBend, Number(words, ref i, 0, 127, "pnpb")),
            _ => throw new FormatException($"'{kind}' is not a source: cc, rpn, nrpn, pb, pressure, poly, pnc or pnpb."),
        };
        int channel = -1, group = -1;
        while (i < words.Length)
        {
            string word = words[i++];
            if (word == "ch")
            {
                channel = Number(words, ref i, 1, 16, "ch") - 1;
            }
            else if (word == "group")
            {
                group = Number(words, ref i, 1, 16, "group") - 1;
            }
            else
            {
                throw new FormatException($"'{word}': after the source come 'ch N' (1..16) and 'group G' (1..16).");
            }
        }

        return new ControlSource(parsed.Kind, group, channel, parsed.Index);
    }

    private static int Number(string[] words, ref int i, int min, int max, string what)
    {
        if (i >= words.Length || !int.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new FormatException($"'{what}' takes a number {min}..{max}.");
        }

        i++;
        return value;
    }

    /// <summary>MSB.LSB (each 0..127, or 0..255 for the per-note controller index) or one combined number.</summary>
    private static int Pair(string[] words, ref int i, int shift, string what)
    {
        if (i >= words.Length)
        {
            throw new FormatException($"'{what}' takes a number: MSB.LSB or one combined number.");
        }

        string word = words[i++];
        int dot = word.IndexOf('.');
        int limit = shift == 8 ? 255 : 127;
        if (dot > 0
            && int.TryParse(word[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int high) && high <= 127
            && int.TryParse(word[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int low) && low <= limit)
        {
            return (high << shift) | low;
        }

        if (dot < 0 && int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int combined) && combined < (128 << shift))
        {
            return combined;
        }

        throw new FormatException($"'{what} {word}': MSB.LSB (0..127 each) or one number below {128 << shift}.");
    }
}
