namespace Storytailor.Build.Services.Caching;

/// <summary>The source files of the app: everything except what tools generate or install.</summary>
public static class AppFiles
{
    private static readonly HashSet<string> GeneratedFolders = new(StringComparer.Ordinal)
    {
        "node_modules", "dist", "coverage", ".git", ".tsc-test", ".terraform", ".temp", ".cache",
    };

    /// <summary>Files under <paramref name="folder"/> (relative to the app root), generated folders excluded.</summary>
    public static IEnumerable<string> Under(string appRoot, string folder = "")
    {
        var root = Path.Combine(appRoot, folder);
        if (File.Exists(root))
        {
            return [root];
        }

        if (!Directory.Exists(root))
        {
            return [];
        }

        return Walk(root).Where(f => !f.EndsWith(".tsbuildinfo", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Walk(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            yield return file;
        }

        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            if (!GeneratedFolders.Contains(Path.GetFileName(child)))
            {
                foreach (var file in Walk(child))
                {
                    yield return file;
                }
            }
        }
    }
}
