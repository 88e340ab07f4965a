using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Storytailor.Build.Tests;

/// <summary>
/// A local stand-in of the npm registry's advisory endpoint that reports no vulnerabilities,
/// so that end-to-end Ci runs can perform a real npm audit on a machine whose registry refuses it.
/// </summary>
public sealed class AdvisoryStandIn : IDisposable
{
    /// <summary>What the bulk advisory endpoint answers.</summary>
    public enum Mode
    {
        Clean,
        CriticalAdvisory,
        Refuse,
    }

    private readonly Mode _mode;

    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public AdvisoryStandIn(Mode mode = Mode.Clean)
    {
        _mode = mode;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public int Requests { get; private set; }

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
            // The loop ends with the listener's disposal.
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
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Requests++;
            var isBulk = context.Request.HttpMethod == "POST" && context.Request.Url!.AbsolutePath.EndsWith("/advisories/bulk", StringComparison.Ordinal);
            var (status, json) = (isBulk, _mode) switch
            {
                (false, _) => (404, "{\"error\":\"not found\"}"),
                (true, Mode.Refuse) => (405, "{\"error\":\"Method Not Allowed\"}"),
                (true, Mode.CriticalAdvisory) => (200, CriticalTypescriptAdvisory),
                _ => (200, "{}"),
            };
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var body = Encoding.UTF8.GetBytes(json);
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    /// <summary>An advisory in the registry's bulk format against a package every copy of the example has.</summary>
    private const string CriticalTypescriptAdvisory = """
        {"typescript":[{"id":1099001,"url":"https://github.com/advisories/GHSA-test-0001","title":"Planted critical advisory","severity":"critical","vulnerable_versions":"<99.0.0","cwe":["CWE-94"],"cvss":{"score":9.8,"vectorString":null}}]}
        """;

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
