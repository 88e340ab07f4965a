using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Storytailor.FakeAws;

/// <summary>Credentials the fake accepts.</summary>
public sealed record FakeCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>The outcome of checking a request's signature.</summary>
public sealed record SignatureCheck(bool Valid, string? Service, string? Region, string? AccessKeyId, string ErrorCode, string Message)
{
    public static SignatureCheck Ok(string service, string region, string accessKey) => new(true, service, region, accessKey, string.Empty, string.Empty);
}

/// <summary>Recomputes AWS Signature Version 4 of a request from the known secret and compares.</summary>
public static partial class SigV4Verifier
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    public static SignatureCheck Verify(FakeRequest request, Func<string, FakeCredentials?> findCredentials)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(findCredentials);
        var authorization = request.Header("Authorization");
        if (authorization is null)
        {
            return new SignatureCheck(false, null, null, null, "MissingAuthenticationToken", "Request is missing Authentication Token");
        }

        var match = AuthorizationPattern().Match(authorization);
        if (!match.Success)
        {
            return new SignatureCheck(false, null, null, null, "IncompleteSignature", $"Authorization header is not a valid {Algorithm} header");
        }

        var accessKey = match.Groups["key"].Value;
        var date = match.Groups["date"].Value;
        var region = match.Groups["region"].Value;
        var service = match.Groups["service"].Value;
        var signedHeaders = match.Groups["headers"].Value;
        var signature = match.Groups["signature"].Value;

        var credentials = findCredentials(accessKey);
        if (credentials is null)
        {
            return new SignatureCheck(false, service, region, accessKey, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
        }

        if (credentials.SessionToken is not null && request.Header("x-amz-security-token") != credentials.SessionToken)
        {
            return new SignatureCheck(false, service, region, accessKey, "InvalidToken", "The security token included in the request is invalid.");
        }

        var amzDate = request.Header("x-amz-date") ?? string.Empty;
        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            return new SignatureCheck(false, service, region, accessKey, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP");
        }

        if (DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            && (DateTimeOffset.UtcNow - signedAt).Duration() > TimeSpan.FromMinutes(15))
        {
            return new SignatureCheck(false, service, region, accessKey, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        }

        var payloadHash = request.Header("x-amz-content-sha256") ?? Hex(SHA256.HashData(request.Body));
        var canonical = CanonicalRequest(request, service, signedHeaders, payloadHash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = SigningKey(credentials.SecretAccessKey, date, region, service);
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return new SignatureCheck(false, service, region, accessKey, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'" + canonical + "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n");
        }

        var declaredHash = request.Header("x-amz-content-sha256");
        if (declaredHash is { Length: 64 } && declaredHash != Hex(SHA256.HashData(request.Body)))
        {
            return new SignatureCheck(false, service, region, accessKey, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        return SignatureCheck.Ok(service, region, accessKey);
    }

    /// <summary>The credential scope's service of a signed request, or null.</summary>
    public static string? SigningService(FakeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var match = request.Header("Authorization") is { } header ? AuthorizationPattern().Match(header) : null;
        return match is { Success: true } ? match.Groups["service"].Value : null;
    }

    public static string CanonicalRequest(FakeRequest request, string service, string signedHeaders, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = string.IsNullOrEmpty(request.RawPath) ? "/" : request.RawPath;
        var segments = path.Split('/');
        // S3 signs the path as sent (normalised encoding); every other service encodes the sent path once more.
        var canonicalPath = service == "s3"
            ? string.Join('/', segments.Select(s => Encode(Uri.UnescapeDataString(s))))
            : string.Join('/', segments.Select(s => Encode(Encode(Uri.UnescapeDataString(s)))));

        var query = request.RawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part =>
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? part : part[..equals];
                var value = equals < 0 ? string.Empty : part[(equals + 1)..];
                return (Name: Encode(Uri.UnescapeDataString(name)), Value: Encode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}");

        var headerLines = signedHeaders.Split(';').Select(name => $"{name}:{Collapse(request.Header(name) ?? string.Empty)}\n");
        return $"{request.Method}\n{canonicalPath}\n{string.Join('&', query)}\n{string.Concat(headerLines)}\n{signedHeaders}\n{payloadHash}";
    }

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("aws4_request"));
    }

    /// <summary>RFC 3986 encoding, upper-case hex, unreserved characters kept.</summary>
    public static string Encode(string value) => Uri.EscapeDataString(value);

    private static string Collapse(string value) => WhitespaceRun().Replace(value.Trim(), " ");

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256\s+Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request,\s*SignedHeaders=(?<headers>[^,]+),\s*Signature=(?<signature>[0-9a-f]{64})\s*$")]
    private static partial Regex AuthorizationPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRun();
}
