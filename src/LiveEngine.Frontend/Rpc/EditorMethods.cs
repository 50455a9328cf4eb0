using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamJsonRpc;

namespace LiveEngine.Frontend.Rpc;

/// <summary>
/// The editor socket's methods and their parameters, read once from <see cref="EditorApi"/>'s
/// <see cref="JsonRpcMethodAttribute"/>s. The guard checks each request against them before StreamJsonRpc sees
/// it, so that an unknown method or a wrong argument is answered in the editor's terms (method and parameter
/// names, JSON types) rather than StreamJsonRpc's (<c>Unable to find method 'parameters/set/3'</c>, .NET types).
/// </summary>
internal sealed class EditorMethods
{
    private readonly Dictionary<string, Method> _methods;

    private EditorMethods(Type api)
    {
        _methods = [];
        foreach (MethodInfo method in api.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<JsonRpcMethodAttribute>() is { Name: { } name })
            {
                _methods[name] = new Method(name, [.. method.GetParameters().Select(p => new Parameter(p.Name!, KindOf(p.ParameterType), p.HasDefaultValue))]);
            }
        }

        Names = [.. _methods.Keys.Order(StringComparer.Ordinal)];
    }

    public static EditorMethods Instance { get; } = new(typeof(EditorApi));

    /// <summary>Every method name, sorted.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// Checks a request's method and params; null when StreamJsonRpc can bind them, else the JSON-RPC error code
    /// (-32601 or -32602) and a message for the editor.
    /// </summary>
    public (int Code, string Message)? Check(string name, JsonNode? parameters)
    {
        if (!_methods.TryGetValue(name, out Method? method))
        {
            return (-32601, $"No method '{name}'. The methods are: {string.Join(", ", Names)}.");
        }

        if (parameters is JsonArray positional)
        {
            if (positional.Count > method.Parameters.Length)
            {
                return (EditorApi.InvalidParams, $"{name} takes {Count(method.Parameters.Length)}, not {positional.Count}; it takes {method.Signature}.");
            }

            for (int i = 0; i < method.Parameters.Length; i++)
            {
                string? problem = i < positional.Count ? Mismatch(method.Parameters[i], positional[i]) : Missing(method.Parameters[i]);
                if (problem is not null)
                {
                    return (EditorApi.InvalidParams, $"{name}: {problem}; it takes {method.Signature}.");
                }
            }

            return null;
        }

        JsonObject named = parameters as JsonObject ?? [];
        foreach ((string key, _) in named)
        {
            if (!method.Parameters.Any(p => p.Name == key))
            {
                return (EditorApi.InvalidParams, $"{name} has no parameter '{key}'; it takes {method.Signature}.");
            }
        }

        foreach (Parameter parameter in method.Parameters)
        {
            string? problem = named.TryGetPropertyValue(parameter.Name, out JsonNode? value) ? Mismatch(parameter, value) : Missing(parameter);
            if (problem is not null)
            {
                return (EditorApi.InvalidParams, $"{name}: {problem}; it takes {method.Signature}.");
            }
        }

        return null;
    }

    private static string Count(int n) => n switch
    {
        0 => "no arguments",
        1 => "at most 1 argument",
        _ => $"at most {n} arguments",
    };

    private static string? Missing(Parameter parameter) =>
        parameter.Optional ? null : $"'{parameter.Name}' ({Describe(parameter.Kind)}) is missing";

    private static string? Mismatch(Parameter parameter, JsonNode? value)
    {
        if (value is null)
        {
            return parameter.Optional && parameter.Kind == ValueKind.String ? null : $"'{parameter.Name}' must be {Describe(parameter.Kind)}, not null";
        }

        JsonValueKind kind = value.GetValueKind();
        bool fits = parameter.Kind switch
        {
            ValueKind.String => kind == JsonValueKind.String,
            ValueKind.Number => kind == JsonValueKind.Number && value.AsValue().TryGetValue(out double number) && double.IsFinite(number),
            ValueKind.Integer => kind == JsonValueKind.Number && value.AsValue().TryGetValue(out int _),
            ValueKind.Object => kind == JsonValueKind.Object,
            _ => true,
        };
        if (fits)
        {
            return null;
        }

        string given = kind switch
        {
            JsonValueKind.String => $"the string {Truncate(value.ToJsonString())}",
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
            JsonValueKind.Array => "an array",
            _ => "an object",
        };
        return $"'{parameter.Name}' must be {Describe(parameter.Kind)}, not {given}";
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…\"";

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.String => "a string",
        ValueKind.Number => "a finite number",
        ValueKind.Integer => "a whole number",
        ValueKind.Object => "an object",
        _ => "any JSON value",
    };

    private static ValueKind KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return ValueKind.String;
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return ValueKind.Number;
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return ValueKind.Integer;
        }

        return type == typeof(JsonObject) ? ValueKind.Object : ValueKind.Any;
    }

    private enum ValueKind
    {
        Any,
        String,
        Number,
        Integer,
        Object,
    }

    private sealed record Parameter(string Name, ValueKind Kind, bool Optional);

    private sealed class Method
    {
        public Method(string name, Parameter[] parameters)
        {
            Name = name;
            Parameters = parameters;
            Signature = parameters.Length == 0
                ? "no parameters"
                : string.Join(", ", parameters.Select(p => $"{p.Name} ({Describe(p.Kind)}{(p.Optional ? ", optional" : "")})"));
        }

        public string Name { get; }

        public Parameter[] Parameters { get; }

        /// <summary>For messages: <c>node (a string), value (a finite number), quantize (a string, optional)</c>.</summary>
        public string Signature { get; }
    }
}
