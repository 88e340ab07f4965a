using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Database.Tests;

/// <summary>Paths of the repository, the Supabase CLI and temporary copies of fixture apps.</summary>
internal static class TestEnvironment
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string SupabaseCli => Path.Combine(RepositoryRoot, "tools", "supabase", "node_modules", ".bin", "supabase");

    public static string FixtureApp => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "app");

    /// <summary>Installs the pinned CLI when it is missing, outdated or damaged, as ./build.sh does.</summary>
    public static async Task EnsureSupabaseCliAsync()
    {
        var tool = new PinnedNpmTool("Supabase CLI", Path.Combine(RepositoryRoot, "tools", "supabase"), "supabase", Path.Combine("node_modules", ".bin", "supabase"));
        await tool.EnsureAsync(new CommandRunner(new RecordingLog(), new SecretRedactor()), new RecordingLog(), TimeSpan.FromMinutes(10));
        Assert.That(File.Exists(SupabaseCli), Is.True, $"the pinned Supabase CLI is not at {SupabaseCli}");
    }

    /// <summary>A temporary copy of a folder; deleted by <see cref="TemporaryApp.Dispose"/>.</summary>
    public static TemporaryApp CopyApp(string source, params string[] only)
    {
        var target = Path.Combine(Path.GetTempPath(), "storytailor-db-test-" + Guid.NewGuid().ToString("N")[..10]);
        var roots = only.Length == 0 ? [source] : only.Select(o => Path.Combine(source, o)).ToArray();
        foreach (var root in roots)
        {
            if (File.Exists(root))
            {
                var destination = Path.Combine(target, Path.GetRelativePath(source, root));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(root, destination);
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(source, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "node_modules" or ".temp" or "dist" or ".tsc-test"))
                {
                    continue;
                }

                var destination = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }

        return new TemporaryApp(target);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tools", "supabase", "package.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (with tools/supabase/package.json) not found above " + AppContext.BaseDirectory);
    }
}

public sealed class TemporaryApp(string root) : IDisposable
{
    public string Root { get; } = root;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Replace(string relative, string oldText, string newText)
    {
        var text = File.ReadAllText(PathOf(relative));
        Assert.That(text, Does.Contain(oldText), $"fixture {relative} changed: test needs updating");
        File.WriteAllText(PathOf(relative), text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>One throwaway PostgreSQL per fixture class; each test gets a fresh database.</summary>
public abstract class PostgresTestBase
{
    protected RecordingLog Log { get; private set; } = new();

    protected SecretRedactor Redactor { get; } = new();

    protected CommandRunner Runner { get; private set; } = null!;

    protected ThrowawayPostgres Server { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        await TestEnvironment.EnsureSupabaseCliAsync();
        Runner = new CommandRunner(Log, Redactor);
        Server = await ThrowawayPostgres.StartAsync(new PostgresSettings(), Runner, Log, Redactor);
    }

    [OneTimeTearDown]
    public async Task StopServer() => await Server.DisposeAsync();

    protected Task<PostgresUrl> FreshDatabaseAsync() => Server.CreateDatabaseAsync("t_" + Guid.NewGuid().ToString("N")[..12]);
}
