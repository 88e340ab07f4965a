namespace Storytailor.Database;

/// <summary>A destructive statement of a pending migration, where it is and what it is.</summary>
public sealed record IncompatibleStatement(MigrationFile File, DestructiveStatement Statement)
{
    public override string ToString() => $"{File.RelativePath}:{Statement.Line}: {Statement.Kind}: {Statement.Statement}";
}

/// <summary>A pending migration whose destructive statements its allow comment accepts, with the comment's reason.</summary>
public sealed record AllowedMigration(MigrationFile File, string Reason, IReadOnlyList<DestructiveStatement> Statements)
{
    public override string ToString() => $"{File.RelativePath} ({string.Join(", ", Statements.Select(s => $"line {s.Line} {s.Kind}"))}): allowed: {Reason}";
}

/// <summary>What the backward-compatibility gate decided about the pending migrations of a release.</summary>
public sealed record CompatibilityVerdict(
    IReadOnlyList<MigrationFile> Pending,
    IReadOnlyList<IncompatibleStatement> Refused,
    IReadOnlyList<MigrationFile> MarkerWithoutReason,
    IReadOnlyList<AllowedMigration> Allowed)
{
    public bool Passed => Refused.Count == 0 && MarkerWithoutReason.Count == 0;

    /// <summary>Why the release may not migrate (empty when it may), one entry per finding, naming file:line, the kind and how to allow it.</summary>
    public IReadOnlyList<string> Problems =>
    [
        .. Refused.Select(r => $"{r}: add '-- {DestructiveStatements.AllowMarker} <reason>' to {r.File.FileName} if the live colour can run against it"),
        .. MarkerWithoutReason.Select(f => $"{f.RelativePath}: '-- {DestructiveStatements.AllowMarker}' needs a reason after it"),
    ];
}

/// <summary>
/// The backward-compatibility gate of a blue/green release. While the old colour is live it shares the database the
/// release migrates, so only migrations it can run against may be applied: every pending migration (a file whose
/// version the database's history does not record) is scanned, and a destructive statement refuses the release unless
/// the migration carries <c>-- migration:allow-destructive &lt;reason&gt;</c>. A marker without a reason is refused.
/// Migrations the database already recorded are not scanned: they ran before.
/// </summary>
public static class BackwardCompatibility
{
    /// <summary>The migration files whose version <paramref name="recorded"/> does not hold, in order.</summary>
    public static IReadOnlyList<MigrationFile> Pending(IReadOnlyList<MigrationFile> files, IReadOnlyCollection<string> recorded)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(recorded);
        var known = recorded.ToHashSet(StringComparer.Ordinal);
        return [.. files.Where(f => f.Version is not null && !known.Contains(f.Version))];
    }

    /// <summary>The gate's decision on <paramref name="files"/> given the versions the database recorded.</summary>
    public static CompatibilityVerdict Judge(IReadOnlyList<MigrationFile> files, IReadOnlyCollection<string> recorded, Func<MigrationFile, string>? read = null)
    {
        read ??= file => File.ReadAllText(file.Path);
        var pending = Pending(files, recorded);
        var refused = new List<IncompatibleStatement>();
        var withoutReason = new List<MigrationFile>();
        var allowed = new List<AllowedMigration>();
        foreach (var file in pending)
        {
            var sql = read(file);
            var found = DestructiveStatements.Find(sql);
            var reason = DestructiveStatements.AllowReason(sql);
            if (reason is { Length: 0 })
            {
                withoutReason.Add(file);
            }
            else if (found.Count > 0 && reason is not null)
            {
                allowed.Add(new AllowedMigration(file, reason, found));
            }
            else
            {
                refused.AddRange(found.Select(s => new IncompatibleStatement(file, s)));
            }
        }

        return new CompatibilityVerdict(pending, refused, withoutReason, allowed);
    }
}
