using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Database.Tests;

public class PublishedMigrationsTests
{
    private readonly CommandRunner _runner = new(new RecordingLog(), new SecretRedactor());

    private async Task GitAsync(string root, params string[] arguments)
    {
        var result = await _runner.RunAsync(new CommandSpec("git", ["-c", "user.name=Build Test", "-c", "user.email=build@example.invalid", "-c", "commit.gpgsign=false", .. arguments], root) { StreamOutput = false });
        Assert.That(result.Succeeded, Is.True, $"git {string.Join(' ', arguments)}: {result.Tail()}");
    }

    /// <summary>A repository whose main branch holds the fixture app, with HEAD on a feature branch.</summary>
    private async Task<TemporaryApp> RepositoryAsync()
    {
        var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        await GitAsync(app.Root, "init", "-q", "-b", "main");
        await GitAsync(app.Root, "add", "-A");
        await GitAsync(app.Root, "commit", "-q", "-m", "app");
        await GitAsync(app.Root, "checkout", "-q", "-b", "feature");
        return app;
    }

    [Test]
    public async Task Unchanged_history_and_a_new_migration_pass()
    {
        using var app = await RepositoryAsync();
        app.Write("supabase/migrations/20240401000000_new.sql", "select 1;\n");
        var outcome = await new PublishedMigrations(_runner).CheckAsync(app.Root, null);
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Passed), string.Join('\n', outcome.Failures));
        Assert.That(outcome.Note, Does.Contain("3 migration(s) on 'main'"));
    }

    [Test]
    public async Task Edited_published_migration_fails_naming_the_file()
    {
        using var app = await RepositoryAsync();
        app.Replace("supabase/migrations/20240301000100_kids.sql", "nickname text not null", "nickname text");
        await GitAsync(app.Root, "commit", "-q", "-am", "edit history");
        var outcome = await new PublishedMigrations(_runner).CheckAsync(app.Root, "main");
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Failed));
        Assert.That(outcome.Failures, Has.Exactly(1).StartsWith("supabase/migrations/20240301000100_kids.sql: edited after it was published on 'main'"));
    }

    [Test]
    public async Task Deleted_published_migration_and_new_migration_older_than_history_fail()
    {
        using var app = await RepositoryAsync();
        File.Delete(app.PathOf("supabase/migrations/20240301000200_erasure.sql"));
        app.Write("supabase/migrations/20240201000000_backdated.sql", "select 1;\n");
        var outcome = await new PublishedMigrations(_runner).CheckAsync(app.Root, "main");
        Assert.That(outcome.Failures, Has.Some.Contains("20240301000200_erasure.sql: exists on 'main'").And.Contains("was deleted"));
        Assert.That(outcome.Failures, Has.Some.Contains("20240201000000_backdated.sql: new migration's version 20240201000000 is not after 20240301000200"));
    }

    [Test]
    public async Task Outside_a_repository_the_check_is_skipped_with_the_reason()
    {
        using var app = TestEnvironment.CopyApp(TestEnvironment.FixtureApp);
        var outcome = await new PublishedMigrations(_runner).CheckAsync(app.Root, null);
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Skipped));
        Assert.That(outcome.Note, Does.Contain("not inside a git repository"));
    }

    [Test]
    public async Task Missing_default_branch_is_skipped_with_the_reason()
    {
        using var app = await RepositoryAsync();
        var outcome = await new PublishedMigrations(_runner).CheckAsync(app.Root, "release");
        Assert.That(outcome.Status, Is.EqualTo(CheckStatus.Skipped));
        Assert.That(outcome.Note, Does.Contain("default branch 'release' not found"));
    }
}
