using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Storytailor.Build.Description;

/// <summary>The published JSON schema of the description (<c>storytailor.schema.json</c>, embedded) and the check against it.</summary>
internal static class DescriptionSchema
{
    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> Loaded = new(() =>
    {
        using var stream = typeof(DescriptionSchema).Assembly.GetManifestResourceStream("Storytailor.Build.Description.storytailor.schema.json")
            ?? throw new InvalidOperationException("The description schema is not embedded in the build program.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (JsonSchema.FromText(text), JsonNode.Parse(text)!);
    });

    /// <summary>The published schema's text.</summary>
    public static string Text => Loaded.Value.Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static void Validate(string path, DescriptionDocument document, List<DescriptionProblem> problems)
    {
        var (schema, schemaDocument) = Loaded.Value;
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(document.Root), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return;
        }

        // Errors inside a branch that did not decide (a oneOf alternative when another matched) do not count.
        var details = (result.Details ?? []).ToList();
        var valid = details.Where(d => d.IsValid).Select(d => d.EvaluationPath.ToString()).Where(p => p.Length > 0).ToList();
        var errors = details
            .Where(d => d.Errors is { Count: > 0 })
            .Where(d => !valid.Any(v => d.EvaluationPath.ToString() == v || d.EvaluationPath.ToString().StartsWith(v + "/", StringComparison.Ordinal)))
            .SelectMany(d => d.Errors!.Select(e => (Instance: d.InstanceLocation.ToString(), Path: d.EvaluationPath.ToString(), Message: e.Value)))
            .ToList();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in errors)
        {
            string message;
            var isKey = false;
            if (System.Text.RegularExpressions.Regex.IsMatch(error.Path, @"/oneOf/\d+(/[^/]+)?$"))
            {
                // A choice (an object or false, say): say once what is expected, unless a deeper error says more.
                if (errors.Any(e => e.Instance.StartsWith(error.Instance + "/", StringComparison.Ordinal)))
                {
                    continue;
                }

                message = $"{DescriptionPointer.Display(error.Instance)}: not valid here ({SchemaAt(schemaDocument, error.Instance)?["description"]?.GetValue<string>() ?? "see the schema"})";
            }
            else if (error.Path.EndsWith("/additionalProperties", StringComparison.Ordinal))
            {
                var key = DescriptionPointer.Unescape(error.Instance[(error.Instance.LastIndexOf('/') + 1)..]);
                var known = SchemaAt(schemaDocument, error.Instance[..error.Instance.LastIndexOf('/')])?["properties"] is JsonObject properties ? properties.Select(p => p.Key).ToList() : [];
                message = $"{DescriptionPointer.Display(error.Instance)}: unknown key '{key}'. {NameSuggestion.DidYouMean(key, known)}Valid keys here: {string.Join(", ", known)}.";
                isKey = true;
            }
            else
            {
                message = $"{DescriptionPointer.Display(error.Instance)}: {error.Message}";
            }

            if (reported.Add(message))
            {
                var (line, column) = document.At(error.Instance, isKey);
                problems.Add(new DescriptionProblem(path, line, column, message));
            }
        }

        problems.Sort((a, b) => (a.Line, a.Column).CompareTo((b.Line, b.Column)));
    }

    /// <summary>The schema of the value at an instance pointer (through properties, items, $ref and the object branch of a oneOf).</summary>
    private static JsonObject? SchemaAt(JsonNode root, string pointer)
    {
        JsonObject? Resolve(JsonNode? node)
        {
            for (var depth = 0; depth < 8 && node is JsonObject obj; depth++)
            {
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith("#/", StringComparison.Ordinal))
                {
                    node = reference.GetValue<string>()[2..].Split('/').Aggregate((JsonNode?)root, (n, segment) => n?[DescriptionPointer.Unescape(segment)]);
                    continue;
                }

                return obj;
            }

            return null;
        }

        var current = Resolve(root);
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(DescriptionPointer.Unescape))
        {
            var container = current?["oneOf"] is JsonArray choices
                ? choices.Select(Resolve).FirstOrDefault(c => c?["properties"] is not null || c?["items"] is not null || c?["additionalProperties"] is JsonObject) ?? current
                : current;
            current = Resolve(container?["properties"]?[segment] ?? container?["items"] ?? (container?["additionalProperties"] as JsonObject));
        }

        return current;
    }
}
