using System.Text.Json;
using System.Text.RegularExpressions;

namespace Storytailor.Database;

/// <summary>
/// Child-facing packages must not ship tracking or advertising SDKs: their package.json
/// dependencies, and everything those pull in according to the app's package-lock.json.
/// </summary>
public static class TrackerDependencies
{
    public const string RuleName = "no-trackers-in-child-facing-packages";

    public static CheckOutcome Check(string appRoot, IReadOnlyList<string> packages, IReadOnlyList<string> denyList)
    {
        if (packages.Count == 0)
        {
            return CheckOutcome.Fail(RuleName, [$"{RuleName}: {DataInventory.RelativePath} lists no child_facing_packages"]);
        }

        if (denyList.Count == 0)
        {
            return CheckOutcome.Fail(RuleName, [$"{RuleName}: {DataInventory.RelativePath} has an empty tracking_deny_list"]);
        }

        var patterns = denyList.Select(d => (Entry: d, Regex: new Regex("^" + Regex.Escape(d).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant))).ToList();
        string? Denied(string name) => patterns.FirstOrDefault(p => p.Regex.IsMatch(name)).Entry;

        var lockPath = Path.Combine(appRoot, "package-lock.json");
        Dictionary<string, JsonElement>? lockPackages = null;
        JsonDocument? lockDocument = null;
        if (File.Exists(lockPath))
        {
            lockDocument = JsonDocument.Parse(File.ReadAllText(lockPath));
            if (lockDocument.RootElement.TryGetProperty("packages", out var map))
            {
                lockPackages = map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            }
        }

        var failures = new List<string>();
        var notes = new List<string>();
        try
        {
            foreach (var package in packages)
            {
                var relative = package.Replace('\\', '/').Trim('/');
                var manifest = Path.Combine(appRoot, relative, "package.json");
                if (!File.Exists(manifest))
                {
                    failures.Add($"{RuleName}: {relative}/package.json not found (child-facing package listed in the inventory)");
                    continue;
                }

                using var document = JsonDocument.Parse(File.ReadAllText(manifest));
                foreach (var dependency in DependencyNames(document.RootElement))
                {
                    if (Denied(dependency) is { } entry)
                    {
                        failures.Add($"{RuleName}: {relative} depends on '{dependency}' (deny list: {entry}) in {relative}/package.json");
                    }
                }

                if (lockPackages is null)
                {
                    notes.Add($"{relative}: no package-lock.json, transitive dependencies not checked");
                    continue;
                }

                if (!lockPackages.TryGetValue(relative, out var entryInLock))
                {
                    notes.Add($"{relative}: not in package-lock.json, transitive dependencies not checked");
                    continue;
                }

                // Walk the installed tree as node resolves it, remembering how each package was reached.
                var queue = new Queue<(string Location, JsonElement Entry, string Chain)>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                queue.Enqueue((relative, entryInLock, relative));
                while (queue.Count > 0)
                {
                    var (location, entry, chain) = queue.Dequeue();
                    foreach (var name in DependencyNames(entry))
                    {
                        var resolved = Resolve(lockPackages, location, name);
                        if (resolved is null || !seen.Add(resolved))
                        {
                            continue;
                        }

                        var next = $"{chain} → {name}";
                        if (location != relative && Denied(name) is { } entry2)
                        {
                            failures.Add($"{RuleName}: {relative} pulls in '{name}' (deny list: {entry2}) through {next} (package-lock.json)");
                        }

                        var target = lockPackages[resolved];
                        if (target.TryGetProperty("link", out var link) && link.ValueKind == JsonValueKind.True && target.TryGetProperty("resolved", out var real)
                            && lockPackages.TryGetValue(real.GetString() ?? string.Empty, out var realEntry))
                        {
                            queue.Enqueue((real.GetString()!, realEntry, next));
                        }
                        else
                        {
                            queue.Enqueue((resolved, target, next));
                        }
                    }
                }
            }
        }
        finally
        {
            lockDocument?.Dispose();
        }

        return CheckOutcome.From(RuleName, failures, notes.Count == 0 ? $"{packages.Count} package(s) checked with package-lock.json" : string.Join("; ", notes));
    }

    private static IEnumerable<string> DependencyNames(JsonElement manifest)
    {
        foreach (var section in new[] { "dependencies", "optionalDependencies", "peerDependencies" })
        {
            if (manifest.TryGetProperty(section, out var deps) && deps.ValueKind == JsonValueKind.Object)
            {
                foreach (var dep in deps.EnumerateObject())
                {
                    yield return dep.Name;
                }
            }
        }
    }

    /// <summary>Node's lookup: location/node_modules/name, then each ancestor, then the root.</summary>
    private static string? Resolve(Dictionary<string, JsonElement> lockPackages, string location, string name)
    {
        var segments = location.Length == 0 ? [] : location.Split('/').ToList();
        while (true)
        {
            var candidate = (segments.Count == 0 ? string.Empty : string.Join('/', segments) + "/") + "node_modules/" + name;
            if (lockPackages.ContainsKey(candidate))
            {
                return candidate;
            }

            if (segments.Count == 0)
            {
                return null;
            }

            segments.RemoveAt(segments.Count - 1);
            while (segments.Count > 0 && (segments[^1] == "node_modules" || segments[^1].StartsWith('@')))
            {
                segments.RemoveAt(segments.Count - 1);
            }
        }
    }
}
