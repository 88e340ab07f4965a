using Npgsql;
using Storytailor.Core;
using Storytailor.Database;

namespace Storytailor.Database.Tests;

[Category("EndToEnd")]
public class ThrowawayPostgresTests
{
    private readonly RecordingLog _log = new();
    private readonly SecretRedactor _redactor = new();

    private CommandRunner Runner => new(_log, _redactor);

    private static bool PostgresRunsFrom(string directory) =>
        Directory.GetDirectories("/proc").Select(p => Path.Combine(p, "cmdline")).Where(File.Exists).Any(path =>
        {
            try
            {
                var command = File.ReadAllText(path).Replace('\0', ' ');
                return command.Contains("postgres", StringComparison.Ordinal) && command.Contains(directory, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // the process ended while we looked
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });

    [Test]
    public async Task Starts_on_loopback_with_supabase_roles_and_leaves_nothing_after_dispose()
    {
        string directory;
        await using (var server = await ThrowawayPostgres.StartAsync(new PostgresSettings(), Runner, _log, _redactor))
        {
            directory = server.Directory!;
            Assert.That(server.Url.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(PostgresRunsFrom(directory), Is.True);
            await using var connection = new NpgsqlConnection(server.Url.ToConnectionString());
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select string_agg(rolname, ',' order by rolname) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')", connection);
            Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo("anon,authenticated,service_role"));
            Assert.That(_redactor.Redact(server.Url.ToString()), Does.Not.Contain(server.Url.Password), "the password is registered as a secret");
        }

        Assert.That(Directory.Exists(directory), Is.False);
        Assert.That(PostgresRunsFrom(directory), Is.False);
    }

    [Test]
    public async Task An_exception_inside_the_using_block_still_stops_and_deletes()
    {
        string? directory = null;
        var thrown = Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var server = await ThrowawayPostgres.StartAsync(new PostgresSettings(), Runner, _log, _redactor);
            directory = server.Directory;
            throw new InvalidOperationException("migration blew up");
        });
        Assert.That(thrown!.Message, Is.EqualTo("migration blew up"));
        Assert.That(directory, Is.Not.Null);
        Assert.That(Directory.Exists(directory), Is.False);
        Assert.That(PostgresRunsFrom(directory!), Is.False);
    }

    [Test]
    public async Task Process_exit_cleanup_stops_servers_not_yet_disposed()
    {
        var server = await ThrowawayPostgres.StartAsync(new PostgresSettings(), Runner, _log, _redactor);
        ThrowawayPostgres.StopAllNow(); // what ProcessExit and Ctrl-C run
        Assert.That(Directory.Exists(server.Directory), Is.False);
        Assert.That(PostgresRunsFrom(server.Directory!), Is.False);
        await server.DisposeAsync(); // a later dispose is harmless
    }

    [Test]
    public async Task A_given_database_url_is_used_and_nothing_is_started()
    {
        await using var server = await ThrowawayPostgres.StartAsync(new PostgresSettings("postgresql://app:s3cr3t-pw@127.0.0.1:6543/appdb"), Runner, _log, _redactor);
        Assert.That(server.IsThrowaway, Is.False);
        Assert.That(server.Url.Port, Is.EqualTo(6543));
        Assert.That(server.Url.Database, Is.EqualTo("appdb"));
        Assert.That(_redactor.Redact("password s3cr3t-pw"), Is.EqualTo("password ***"));
    }

    [Test]
    public void Without_server_binaries_the_error_says_how_to_install()
    {
        var empty = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var error = Assert.Throws<PostgresNotInstalledException>(() => ThrowawayPostgres.FindBinDirectory(empty));
            Assert.That(error!.Message, Does.StartWith("PostgreSQL server binaries not found: install postgresql (apt-get install postgresql) or pass a database URL"));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
