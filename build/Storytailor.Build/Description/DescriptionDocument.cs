using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Storytailor.Build.Description;

/// <summary>The description file as JSON (for the schema), with the line and column of every value and key.</summary>
internal sealed record DescriptionDocument(JsonNode Root, Dictionary<string, Mark> Values, Dictionary<string, Mark> Keys)
{
    public (int Line, int Column) At(string pointer, bool key = false)
    {
        for (var p = pointer; ; p = p[..Math.Max(0, p.LastIndexOf('/'))])
        {
            if ((key && Keys.TryGetValue(p, out var mark)) || Values.TryGetValue(p, out mark))
            {
                return ((int)mark.Line, (int)mark.Column);
            }

            if (p.Length == 0)
            {
                return (1, 1);
            }
        }
    }

    /// <summary>No file, or an empty one: an empty mapping.</summary>
    public static DescriptionDocument Empty() => new(new JsonObject(), new Dictionary<string, Mark>(StringComparer.Ordinal), new Dictionary<string, Mark>(StringComparer.Ordinal));

    public static DescriptionDocument Parse(string path, List<DescriptionProblem> problems)
    {
        var values = new Dictionary<string, Mark>(StringComparer.Ordinal);
        var keys = new Dictionary<string, Mark>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                return new DescriptionDocument(new JsonObject(), values, keys);
            }

            return new DescriptionDocument(ToJson(stream.Documents[0].RootNode, string.Empty, values, keys) ?? new JsonObject(), values, keys);
        }
        catch (YamlException ex)
        {
            problems.Add(new DescriptionProblem(path, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {ex.Message}"));
            return new DescriptionDocument(new JsonObject(), values, keys);
        }
    }

    /// <summary>YAML → JSON (YAML 1.2 core types for plain scalars), remembering where each value and key stands.</summary>
    private static JsonNode? ToJson(YamlNode node, string pointer, Dictionary<string, Mark> values, Dictionary<string, Mark> keys)
    {
        values[pointer] = node.Start;
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? keyNode.ToString();
                    var child = pointer + "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
                    keys[child] = keyNode.Start;
                    obj[key] = ToJson(valueNode, child, values, keys);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var i = 0;
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item, pointer + "/" + (i++).ToString(CultureInfo.InvariantCulture), values, keys));
                }

                return array;
            case YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain:
                var text = scalar.Value ?? string.Empty;
                return text switch
                {
                    "" or "~" or "null" or "Null" or "NULL" => null,
                    "true" or "True" or "TRUE" => JsonValue.Create(true),
                    "false" or "False" or "FALSE" => JsonValue.Create(false),
                    _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)),
                    _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create(text),
                };
            case YamlScalarNode scalar:
                return JsonValue.Create(scalar.Value ?? string.Empty);
            default:
                return JsonValue.Create(node.ToString());
        }
    }
}
