using System.Text;
using Microsoft.AspNetCore.Http;

namespace Storytailor.FakeAws;

/// <summary>A request as the fake sees it: raw target, headers and the whole (de-chunked) body.</summary>
public sealed class FakeRequest
{
    public required string Method { get; init; }

    /// <summary>The path exactly as sent (still percent-encoded).</summary>
    public required string RawPath { get; init; }

    /// <summary>The query string exactly as sent, without '?'.</summary>
    public required string RawQuery { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>Query parameters, decoded (last value wins).</summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Path segments, decoded.</summary>
    public IReadOnlyList<string> Segments => RawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();

    /// <summary>The body as a form (query protocol), decoded.</summary>
    public IReadOnlyDictionary<string, string> Form => ParsePairs(BodyText);

    internal static async Task<FakeRequest> ReadAsync(HttpContext context)
    {
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryStart < 0 ? target : target[..queryStart];
        var rawQuery = queryStart < 0 ? string.Empty : target[(queryStart + 1)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key] = string.Join(",", header.Value.ToArray());
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer).ConfigureAwait(false);
        var body = buffer.ToArray();
        var contentSha = headers.TryGetValue("x-amz-content-sha256", out var sha) ? sha : string.Empty;
        if (contentSha.StartsWith("STREAMING-", StringComparison.Ordinal) ||
            (headers.TryGetValue("Content-Encoding", out var encoding) && encoding.Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = DecodeAwsChunked(body);
        }

        return new FakeRequest
        {
            Method = context.Request.Method,
            RawPath = rawPath,
            RawQuery = rawQuery,
            Headers = headers,
            Body = body,
            Query = ParsePairs(rawQuery),
        };
    }

    internal static Dictionary<string, string> ParsePairs(string text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            pairs[Decode(key)] = Decode(value);
        }

        return pairs;
    }

    internal static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    /// <summary>aws-chunked: "size-hex[;chunk-signature=..]\r\n data \r\n" ... "0\r\n" trailers "\r\n".</summary>
    private static byte[] DecodeAwsChunked(byte[] body)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = IndexOfCrLf(body, position);
            if (lineEnd < 0)
            {
                break;
            }

            var header = Encoding.ASCII.GetString(body, position, lineEnd - position);
            var size = Convert.ToInt32(header.Split(';')[0].Trim(), 16);
            position = lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            output.Write(body, position, size);
            position += size + 2;
        }

        return output.ToArray();
    }

    private static int IndexOfCrLf(byte[] data, int start)
    {
        for (var i = start; i + 1 < data.Length; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
