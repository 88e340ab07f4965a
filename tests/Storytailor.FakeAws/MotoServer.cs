using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Storytailor.FakeAws;

/// <summary>
/// moto's server mode (an AWS implementation this project did not write) on a free loopback port, started by the test
/// and stopped by its own process id. Missing moto is a failure with its own message, never a skipped check.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<MotoServer> StartAsync(string executable = "moto_server")
    {
        var port = FreePort();
        var start = new ProcessStartInfo(executable, ["-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"could not run: {executable} is not installed (moto 5.2.1 with its server extras: pip install 'moto[server]'): {ex.Message}", ex);
        }

        var moto = new MotoServer(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => moto.Append(e.Data);
        process.ErrorDataReceived += (_, e) => moto.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"could not run: moto_server exited with {process.ExitCode}: {moto.Output}");
            }

            try
            {
                using var answer = await http.GetAsync(new Uri(moto.Endpoint, "moto-api/data.json")).ConfigureAwait(false);
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    return moto;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        await moto.DisposeAsync().ConfigureAwait(false);
        throw new InvalidOperationException($"could not run: moto_server did not answer on port {port} within 30 s: {moto.Output}");
    }

    /// <summary>Forgets every resource (POST /moto-api/reset).</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        using var answer = await http.PostAsync(new Uri(Endpoint, "moto-api/reset"), JsonContent.Create(new { })).ConfigureAwait(false);
        answer.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
