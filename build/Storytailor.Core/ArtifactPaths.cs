namespace Storytailor.Core;

/// <summary>The names of the artifacts other stages read, in one place.</summary>
public static class ArtifactPaths
{
    /// <summary>What Package built: one entry per zip (name, version, commit, size, SHA-256, CodeSha256).</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The manifest's path in the artifacts folder <paramref name="artifactsRoot"/>.</summary>
    public static string ManifestIn(string artifactsRoot) => Path.Combine(artifactsRoot, Manifest);
}
