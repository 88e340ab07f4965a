using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Storytailor.Core;

namespace Storytailor.Checks.Tests;

/// <summary>A temporary folder deleted at the end of the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("st-checks-").FullName;
    }

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // left for the OS to clean; the test result does not depend on it
        }
    }
}

/// <summary>Runs the build's services with a recording log.</summary>
public sealed class ServiceKit
{
    public RecordingLog Log { get; } = new();

    public SecretRedactor Redactor { get; } = new();

    public CommandRunner Runner => new(Log, Redactor);
}

public static class Shell
{
    public static void Run(string workingDirectory, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {output.Result}{error}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A local stand-in of the npm registry's advisory service: answers POST /-/npm/v1/security/advisories/bulk
/// (and the older audits/quick) the way registry.npmjs.org does, or with 405 like this machine's registry.
/// Packument requests (npm asks for them to compute fixAvailable) are answered from <see cref="Packuments"/>, else 404.
/// </summary>
public sealed class AdvisoryStandIn : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public AdvisoryStandIn(string bulkAnswer, int status = 200)
    {
        BulkAnswer = bulkAnswer;
        Status = status;
        Port = Shell.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    public string BulkAnswer { get; }

    public int Status { get; }

    public Dictionary<string, string> Packuments { get; } = [];

    public List<string> Requests { get; } = [];

    public List<string> Bodies { get; } = [];

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener was stopped while waiting for a request
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var request = context.Request;
            var path = request.Url!.AbsolutePath;
            lock (Requests)
            {
                Requests.Add($"{request.HttpMethod} {path}");
            }

            Stream body = request.InputStream;
            if (string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
            {
                body = new System.IO.Compression.GZipStream(body, System.IO.Compression.CompressionMode.Decompress);
            }

            using (var reader = new StreamReader(body))
            {
                var text = await reader.ReadToEndAsync();
                lock (Bodies)
                {
                    Bodies.Add(text);
                }
            }

            var response = context.Response;
            string answer;
            if (request.HttpMethod == "POST" && path is "/-/npm/v1/security/advisories/bulk" or "/-/npm/v1/security/audits/quick")
            {
                response.StatusCode = Status;
                answer = Status == 200 ? BulkAnswer : string.Empty;
                if (Status == 405)
                {
                    response.AddHeader("Allow", "GET,HEAD");
                }
            }
            else if (request.HttpMethod == "GET" && Packuments.TryGetValue(Uri.UnescapeDataString(path.TrimStart('/')), out var packument))
            {
                answer = packument;
            }
            else
            {
                response.StatusCode = 404;
                answer = "{\"error\":\"Not found\"}";
            }

            var bytes = Encoding.UTF8.GetBytes(answer);
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
    }
}
