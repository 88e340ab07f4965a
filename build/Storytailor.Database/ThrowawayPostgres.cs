using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Storytailor.Core;

namespace Storytailor.Database;

/// <summary>Where the database comes from: a given URL, or a throwaway server the build starts.</summary>
/// <param name="DatabaseUrl">Use this database and start nothing (null: start a throwaway PostgreSQL).</param>
/// <param name="BinDirectory">Folder with initdb/pg_ctl (null: pg_config --bindir, /usr/lib/postgresql/*/bin, PATH).</param>
public sealed record PostgresSettings(string? DatabaseUrl = null, string? BinDirectory = null)
{
    /// <summary>The roles Supabase migrations grant to; created on a throwaway server.</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["anon", "authenticated", "service_role"];

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>The PostgreSQL server binaries are not installed.</summary>
public sealed class PostgresNotInstalledException(string message) : Exception(message);

/// <summary>
/// A PostgreSQL server on 127.0.0.1 that lives as long as this object: initdb into a temporary
/// folder, start on a free port, stop and delete on dispose, and also when the process exits or
/// is interrupted. With a database URL in the settings, nothing is started and the URL is used.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string NotInstalledMessage =
        "PostgreSQL server binaries not found: install postgresql (apt-get install postgresql) or pass a database URL";

    private static readonly ConcurrentDictionary<ThrowawayPostgres, byte> Running = new();
    private static int _exitHooksRegistered;

    private readonly CommandRunner? _runner;
    private readonly IBuildLog _log;
    private readonly string? _binDirectory;
    private readonly bool _asPostgresUser;
    private int _disposed;

    private ThrowawayPostgres(PostgresUrl url, IBuildLog log, CommandRunner? runner, string? binDirectory, string? directory, bool asPostgresUser)
    {
        Url = url;
        _log = log;
        _runner = runner;
        _binDirectory = binDirectory;
        Directory = directory;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The server (database <c>postgres</c>) as a URL.</summary>
    public PostgresUrl Url { get; private set; }

    /// <summary>True when this object started the server (and will stop it).</summary>
    public bool IsThrowaway => Directory is not null;

    /// <summary>The temporary folder holding data, socket and log; null for a given URL.</summary>
    public string? Directory { get; }

    public string? DataDirectory => Directory is null ? null : Path.Combine(Directory, "data");

    /// <summary>Starts a throwaway server, or wraps the given URL.</summary>
    public static async Task<ThrowawayPostgres> StartAsync(PostgresSettings settings, CommandRunner runner, IBuildLog log, SecretRedactor redactor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(redactor);
        if (!string.IsNullOrWhiteSpace(settings.DatabaseUrl))
        {
            var given = PostgresUrl.Parse(settings.DatabaseUrl);
            redactor.Register(given.Password);
            log.Information($"Using the given database at {given.Host}:{given.Port}/{given.Database}; no server started.");
            return new ThrowawayPostgres(given, log, null, null, null, false);
        }

        var bin = FindBinDirectory(settings.BinDirectory);
        var asPostgres = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        var directory = Path.Combine(Path.GetTempPath(), "storytailor-pg-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        redactor.Register(password);
        var server = new ThrowawayPostgres(new PostgresUrl("127.0.0.1", 0, "postgres", password, "postgres"), log, runner, bin, directory, asPostgres);
        EnsureExitHooks();
        Running.TryAdd(server, 0);
        try
        {
            var port = await server.InitializeAndStartAsync(settings, cancellationToken).ConfigureAwait(false);
            server.Url = server.Url with { Port = port };
            await server.CreateRolesAsync(settings.Roles, cancellationToken).ConfigureAwait(false);
            log.Information($"Throwaway PostgreSQL started on 127.0.0.1:{port} (data in {directory}).");
            return server;
        }
        catch
        {
            await server.StopAndDeleteAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates an empty database on this server and returns its URL.</summary>
    public async Task<PostgresUrl> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = new NpgsqlConnection(Url.ToConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return Url.WithDatabase(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAndDeleteAsync().ConfigureAwait(false);
    }

    /// <summary>Finds the folder with initdb and pg_ctl, or throws with the install hint.</summary>
    public static string FindBinDirectory(string? preferred = null)
    {
        static bool HasServer(string? folder) =>
            !string.IsNullOrWhiteSpace(folder) && File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl"));

        if (!string.IsNullOrWhiteSpace(preferred))
        {
            return HasServer(preferred) ? preferred : throw new PostgresNotInstalledException($"{NotInstalledMessage} (no initdb/pg_ctl in '{preferred}')");
        }

        var fromPgConfig = PgConfigBinDirectory();
        if (HasServer(fromPgConfig))
        {
            return fromPgConfig!;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (System.IO.Directory.Exists(debianRoot))
        {
            var newest = System.IO.Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => HasServer(d.Dir))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServer);
        return onPath ?? throw new PostgresNotInstalledException(NotInstalledMessage);
    }

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(10_000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed; other places are searched next.
        }
    }

    private async Task<int> InitializeAndStartAsync(PostgresSettings settings, CancellationToken cancellationToken)
    {
        var directory = Directory!;
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", directory], asPostgres: false, cancellationToken).ConfigureAwait(false);
        }

        var init = await RunAsync(Path.Combine(_binDirectory!, "initdb"),
            ["-D", DataDirectory!, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            _asPostgresUser, cancellationToken).ConfigureAwait(false);
        if (!init.Succeeded)
        {
            throw new InvalidOperationException($"initdb failed (exit {init.ExitCode}):\n{init.Tail()}");
        }

        // The port is free when chosen; another process may take it before the server binds, so retry.
        CommandResult? start = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = FreeLoopbackPort();
            var options = $"-p {port} -h 127.0.0.1 -k {directory} -c fsync=off -c full_page_writes=off -c synchronous_commit=off";
            start = await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
                ["-D", DataDirectory!, "-l", Path.Combine(directory, "server.log"), "-w", "-t", ((int)settings.StartTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", options, "start"],
                _asPostgresUser, cancellationToken).ConfigureAwait(false);
            if (start.Succeeded)
            {
                return port;
            }

            _log.Warning($"PostgreSQL did not start on port {port} (attempt {attempt}): {start.Tail(5)}");
        }

        var serverLog = Path.Combine(directory, "server.log");
        var logTail = File.Exists(serverLog) ? string.Join('\n', File.ReadLines(serverLog).TakeLast(15)) : "(no server log)";
        throw new InvalidOperationException($"PostgreSQL could not be started: {start!.Tail(5)}\n{logTail}");
    }

    private async Task CreateRolesAsync(IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Url.ToConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var role in roles)
        {
            // service_role bypasses row-level security on Supabase; the others do not.
            var bypass = role == "service_role" ? " BYPASSRLS" : string.Empty;
            await using var command = new NpgsqlCommand($"CREATE ROLE {QuoteIdentifier(role)} NOLOGIN{bypass}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var spec = asPostgres
            ? new CommandSpec("runuser", ["-u", "postgres", "--", file, .. arguments], Directory!)
            : new CommandSpec(file, arguments, Directory!);
        return await _runner!.RunAsync(spec with { StreamOutput = false, Timeout = TimeSpan.FromMinutes(2) }, cancellationToken).ConfigureAwait(false);
    }

    private async Task StopAndDeleteAsync()
    {
        if (Directory is null)
        {
            return;
        }

        Running.TryRemove(this, out _);
        try
        {
            if (File.Exists(Path.Combine(DataDirectory!, "postmaster.pid")))
            {
                var stop = await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", DataDirectory!, "-m", "fast", "-w", "stop"], _asPostgresUser, CancellationToken.None).ConfigureAwait(false);
                if (!stop.Succeeded)
                {
                    _log.Warning($"pg_ctl stop failed (exit {stop.ExitCode}): {stop.Tail(5)}");
                }
            }
        }
        finally
        {
            DeleteDirectory(Directory);
        }

        _log.Verbose($"Throwaway PostgreSQL stopped and {Directory} deleted.");
    }

    /// <summary>Stops the server synchronously: used when the process exits or is interrupted.</summary>
    private void StopNow()
    {
        if (Directory is null || Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataDirectory!, "postmaster.pid")))
            {
                var pgCtl = Path.Combine(_binDirectory!, "pg_ctl");
                var start = _asPostgresUser
                    ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", pgCtl, "-D", DataDirectory!, "-m", "immediate", "-w", "stop" } }
                    : new ProcessStartInfo(pgCtl) { ArgumentList = { "-D", DataDirectory!, "-m", "immediate", "-w", "stop" } };
                start.UseShellExecute = false;
                start.RedirectStandardOutput = true;
                start.RedirectStandardError = true;
                using var process = Process.Start(start);
                process?.WaitForExit(20_000);
            }
        }
        finally
        {
            DeleteDirectory(Directory);
        }
    }

    private static void DeleteDirectory(string directory)
    {
        for (var attempt = 0; attempt < 5 && System.IO.Directory.Exists(directory); attempt++)
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(200); // the server may still be closing files
            }
        }
    }

    private static void EnsureExitHooks()
    {
        if (Interlocked.Exchange(ref _exitHooksRegistered, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
        Console.CancelKeyPress += (_, _) => StopAllNow();
    }

    /// <summary>Stops every server this process started and has not disposed yet.</summary>
    internal static void StopAllNow()
    {
        foreach (var server in Running.Keys)
        {
            Running.TryRemove(server, out _);
            server.StopNow();
        }
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
