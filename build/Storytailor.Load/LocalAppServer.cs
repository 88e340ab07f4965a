using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>One of the app's services running locally as a node process; disposing stops its whole process tree.</summary>
public sealed class LocalAppServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly SecretRedactor _redactor;

    private LocalAppServer(Process process, Uri baseUrl, SecretRedactor redactor)
    {
        _process = process;
        BaseUrl = baseUrl;
        _redactor = redactor;
    }

    public Uri BaseUrl { get; }

    public int ProcessId => _process.Id;

    /// <summary>What the process printed so far (redacted), for error messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _redactor.Redact(_output.ToString());
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <c>node &lt;entry&gt;</c> in <paramref name="appRoot"/> on a free port of 127.0.0.1 and waits until
    /// <c>/health</c> answers 200. Throws <see cref="LocalAppServerException"/> when it does not come up.
    /// </summary>
    public static Task<LocalAppServer> StartAsync(
        string nodeExecutable,
        string appRoot,
        string entry,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan startupTimeout,
        IBuildLog log,
        SecretRedactor redactor,
        CancellationToken cancellationToken = default)
    {
        var entryPath = Path.Combine(appRoot, entry);
        if (!File.Exists(entryPath))
        {
            throw new LocalAppServerException($"{entryPath} does not exist: the app is not built. Run the build/compile stage first (npm ci && npm run build in {appRoot}).");
        }

        return StartAsync(new LocalServiceStart(entry, [nodeExecutable, entry]), appRoot, environment, startupTimeout, log, redactor, cancellationToken);
    }

    /// <summary>
    /// Starts a service's local command in <paramref name="appRoot"/> with PORT (its declared port, else a free
    /// one) and HOST=127.0.0.1, and waits until its health path answers 200. Throws
    /// <see cref="LocalAppServerException"/> when it does not come up (the process is stopped then).
    /// </summary>
    public static async Task<LocalAppServer> StartAsync(
        LocalServiceStart service,
        string appRoot,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan startupTimeout,
        IBuildLog log,
        SecretRedactor redactor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(log);
        if (service.Command.Count == 0)
        {
            throw new LocalAppServerException($"{service.Name}: the local start command is empty.");
        }

        var port = service.Port > 0 ? service.Port : FreePort();
        var start = new ProcessStartInfo(service.Command[0])
        {
            WorkingDirectory = appRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in service.Command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["HOST"] = "127.0.0.1";
        var commandLine = string.Join(' ', service.Command);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LocalAppServerException($"'{commandLine}' did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LocalAppServerException($"{service.Name}: could not start '{service.Command[0]}': {ex.Message}. Is it installed and on PATH?", ex);
        }

        var server = new LocalAppServer(process, new Uri($"http://127.0.0.1:{port}/"), redactor);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.Information($"Started {service.Name}: {commandLine} (pid {process.Id}) on {server.BaseUrl}");
        try
        {
            await server.WaitForHealthAsync(service.HealthPath, startupTimeout, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitForHealthAsync(string healthPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        string last = "no answer";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new LocalAppServerException($"the service exited with code {_process.ExitCode} before answering {healthPath}. Output:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(healthPath.TrimStart('/'), UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timeout";
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new LocalAppServerException($"{healthPath} on {BaseUrl} did not answer 200 within {timeout.TotalSeconds:0} s (last: {last}). Output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }
}

/// <summary>How to start one of the app's services locally: a command (run in the app root), its port (0: a free one) and health path.</summary>
public sealed record LocalServiceStart(string Name, IReadOnlyList<string> Command, int Port = 0, string HealthPath = "/health")
{
    /// <summary>Path prefixes this service answers locally; empty: every request no other service claims.</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];
}

/// <summary>A local service could not be started or did not become healthy.</summary>
public sealed class LocalAppServerException(string message, Exception? inner = null) : Exception(message, inner);
