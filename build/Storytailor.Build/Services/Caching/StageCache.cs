using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Storytailor.Build.Services.Caching;

/// <summary>
/// What a stage's result depends on: the files it reads, the tool versions and settings that
/// change its verdict, and the outputs that must still exist for a cached result to stand.
/// </summary>
public sealed class StageInputs(string stage)
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _files = new(StringComparer.Ordinal);
    private readonly List<string> _outputs = [];

    public string Stage { get; } = stage;

    public IReadOnlyCollection<string> InputFiles => _files;

    public IReadOnlyList<string> RequiredOutputs => _outputs;

    public StageInputs File(string path)
    {
        _files.Add(Path.GetFullPath(path));
        return this;
    }

    public StageInputs Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            File(path);
        }

        return this;
    }

    public StageInputs Value(string name, string? value)
    {
        _values[name] = value ?? "(none)";
        return this;
    }

    /// <summary>A file or folder the stage produces; without it the stage runs again.</summary>
    public StageInputs Output(string path)
    {
        _outputs.Add(Path.GetFullPath(path));
        return this;
    }

    /// <summary>SHA-256 over the stage name, every value, and every file's path and content (absent files count too).</summary>
    public string ComputeKey()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"stage {Stage}");
        foreach (var (name, value) in _values)
        {
            Add($"value {name}={value}");
        }

        foreach (var file in _files)
        {
            if (System.IO.File.Exists(file))
            {
                Add($"file {file} {Convert.ToHexString(SHA256.HashData(System.IO.File.ReadAllBytes(file)))}");
            }
            else
            {
                Add($"absent {file}");
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}

/// <summary>The cache verdict for one stage.</summary>
public sealed record CacheLookup(string Key, bool Hit);

/// <summary>
/// Remembers which stages passed with which input key, in a folder CI can persist between runs.
/// A rerun with unchanged inputs (and outputs still present) can skip the stage.
/// </summary>
public sealed class StageCache(string folder, bool enabled)
{
    public string Folder { get; } = Path.GetFullPath(folder);

    public bool Enabled { get; } = enabled;

    public CacheLookup Lookup(StageInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var key = inputs.ComputeKey();
        var hit = Enabled
            && File.Exists(MarkerOf(inputs.Stage, key))
            && inputs.RequiredOutputs.All(p => File.Exists(p) || Directory.Exists(p));
        return new CacheLookup(key, hit);
    }

    /// <summary>Records that the stage passed with these inputs.</summary>
    public void Record(string stage, string key)
    {
        var marker = MarkerOf(stage, key);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, JsonSerializer.Serialize(new { stage, key, passedAt = DateTimeOffset.UtcNow }));
    }

    private string MarkerOf(string stage, string key) => Path.Combine(Folder, stage, key + ".json");
}
