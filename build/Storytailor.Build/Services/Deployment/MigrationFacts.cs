using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>How the ledger names the migrations a release applied, and how rollbacks say they stay.</summary>
public static class MigrationFacts
{
    private const string AppliedPrefix = "applied migrations: ";

    public static string Applied(IReadOnlyList<string> files) => AppliedPrefix + (files.Count == 0 ? "none" : string.Join(", ", files));

    /// <summary>The migrations the deployment of <paramref name="record"/> applied (from its migrations step).</summary>
    public static IReadOnlyList<string> AppliedBy(DeploymentRecord? record)
    {
        var fact = record?.Step(DeploymentSteps.Migrations)?.Facts.LastOrDefault(f => f.StartsWith(AppliedPrefix, StringComparison.Ordinal));
        return fact is null || fact == AppliedPrefix + "none" ? [] : [.. fact[AppliedPrefix.Length..].Split(", ")];
    }

    /// <summary>What a rollback says of the database: migrations are forward-only, whatever the release applied stays.</summary>
    public static string NotReverted(IReadOnlyList<string> applied) => applied.Count == 0
        ? "database migrations are not reverted: none were applied by this release"
        : $"database migrations are not reverted: {string.Join(", ", applied)}";
}
