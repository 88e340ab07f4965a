using Storytailor.Build.Context;
using Storytailor.Database;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>The database a deployment migrates: the app's migrations folder, the Supabase CLI and the database URL secret.</summary>
public sealed record MigrationTarget(string AppRoot, string SupabaseCli, string? DatabaseUrl, string DatabaseUrlSecret)
{
    public const string ProductionSecret = "SUPABASE_DB_URL_PRODUCTION";

    /// <summary>The folder holding the app's supabase folder (the Supabase CLI's workdir); null: the app root.</summary>
    public string? SupabaseWorkdir { get; init; }

    /// <summary>The migrations folder as messages name it (the app's declared path, relative to its root).</summary>
    public string DeclaredMigrationsFolder { get; init; } = MigrationFiles.DefaultFolder;

    public string MigrationsFolder => Path.Combine(SupabaseWorkdir ?? AppRoot, "supabase", "migrations");

    /// <summary>The app's migration files, as the Supabase CLI reads them.</summary>
    public IReadOnlyList<MigrationFile> Files() => MigrationFiles.List(MigrationsFolder, DeclaredMigrationsFolder);

    /// <summary>Production's database (SUPABASE_DB_URL_PRODUCTION, registered as a secret so it is never printed).</summary>
    public static MigrationTarget Production(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var url = context.Variables.ProductionDatabaseUrl;
        context.Redactor.Register(url);
        return new MigrationTarget(context.AppRoot, context.SupabaseCli, url, ProductionSecret)
        {
            SupabaseWorkdir = context.AppPath(context.App.Paths.SupabaseWorkdir),
            DeclaredMigrationsFolder = context.App.Paths.Migrations,
        };
    }

    /// <summary>The database of <see cref="DatabaseUrl"/>; a missing or malformed URL fails the migrations step.</summary>
    public PostgresUrl Database()
    {
        if (string.IsNullOrWhiteSpace(DatabaseUrl))
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run: the secret {DatabaseUrlSecret} (the database URL) is not set");
        }

        try
        {
            return PostgresUrl.Parse(DatabaseUrl);
        }
        catch (FormatException ex)
        {
            throw new DeploymentStepException(DeploymentSteps.Migrations, $"could not run: {DatabaseUrlSecret} is not a database URL ({ex.Message})");
        }
    }
}
