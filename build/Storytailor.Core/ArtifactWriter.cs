using System.Text.Json;

namespace Storytailor.Core;

/// <summary>Writes files under the artifacts folder, always through the secret redactor.</summary>
public sealed class ArtifactWriter(string root, SecretRedactor redactor)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string WriteText(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, redactor.Redact(content));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    public string WriteJson<T>(string relative, T value) => WriteText(relative, JsonSerializer.Serialize(value, Json));

    /// <summary>Copies a file produced by a tool into the artifacts folder, redacting text files.</summary>
    public string CopyText(string source, string relative) => WriteText(relative, File.ReadAllText(source));
}
