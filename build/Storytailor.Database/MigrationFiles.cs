using System.Text.RegularExpressions;

namespace Storytailor.Database;

/// <summary>A migration file of the app's migrations folder: <c>&lt;14-digit timestamp&gt;_&lt;name&gt;.sql</c>.</summary>
public sealed record MigrationFile(string Path, string FileName, string? Version, string? Name)
{
    /// <summary>The migrations folder as messages name it (relative to the app root, '/'-separated).</summary>
    public string Folder { get; init; } = MigrationFiles.DefaultFolder;

    public string RelativePath => Folder + "/" + FileName;
}

public static partial class MigrationFiles
{
    [GeneratedRegex(@"^(?<version>\d{14})_(?<name>[a-z0-9][a-z0-9_\-]*)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();

    /// <summary>The migrations folder of an app that declares no other (relative to its root).</summary>
    public const string DefaultFolder = "supabase/migrations";

    /// <summary>Every file in the migrations folder (sorted ordinally, as the Supabase CLI reads them); <paramref name="folder"/> is how messages name it.</summary>
    public static IReadOnlyList<MigrationFile> List(string migrationsDirectory, string folder = DefaultFolder)
    {
        if (!Directory.Exists(migrationsDirectory))
        {
            return [];
        }

        return [.. Directory.GetFiles(migrationsDirectory)
            .Select(path => System.IO.Path.GetFileName(path))
            .Where(name => !name.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                var match = FileNamePattern().Match(name);
                return new MigrationFile(System.IO.Path.Combine(migrationsDirectory, name), name,
                    match.Success ? match.Groups["version"].Value : null, match.Success ? match.Groups["name"].Value : null)
                { Folder = folder };
            })];
    }

    /// <summary>Names follow the pattern, timestamps are valid and strictly increasing, no version twice.</summary>
    public static CheckOutcome CheckNaming(IReadOnlyList<MigrationFile> files, string folder = DefaultFolder)
    {
        var failures = new List<string>();
        if (files.Count == 0)
        {
            return CheckOutcome.Fail("migration-names", [$"{folder}: no migration files found"]);
        }

        string? previous = null;
        foreach (var file in files)
        {
            if (file.Version is null)
            {
                failures.Add($"{file.RelativePath}: file name must be <14-digit timestamp>_<name>.sql (lower case name, e.g. 20240101120000_add_stories.sql)");
                continue;
            }

            if (!DateTime.TryParseExact(file.Version, "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
            {
                failures.Add($"{file.RelativePath}: '{file.Version}' is not a valid yyyyMMddHHmmss timestamp");
            }

            if (previous is not null && string.CompareOrdinal(file.Version, previous) <= 0)
            {
                failures.Add($"{file.RelativePath}: version {file.Version} is not after the previous migration's {previous} (versions must be strictly increasing)");
            }

            previous = file.Version;
        }

        return CheckOutcome.From("migration-names", failures, $"{files.Count} migration file(s)");
    }
}
