using System.Text;

namespace Storytailor.FakeAws;

/// <summary>STS (query protocol): AssumeRoleWithWebIdentity issuing temporary credentials the fake then accepts.</summary>
public sealed class FakeSts(FakeAwsServer server) : FakeService(server)
{
    public const string XmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
    private int _issued;

    public override string Name => "sts";

    /// <summary>The web identity token the fake accepts (null: any non-empty token).</summary>
    public string? AcceptedToken { get; set; }

    /// <summary>Role ARNs and session names that asked for credentials.</summary>
    public IReadOnlyList<(string RoleArn, string SessionName)> AssumedRoles { get; private set; } = [];

    /// <summary>The most recent credentials issued.</summary>
    public FakeCredentials? LastIssued { get; private set; }

    internal override string OperationOf(FakeRequest request) =>
        request.Method == "POST" && request.Form.TryGetValue("Action", out var action) ? action
        : request.Query.TryGetValue("Action", out var queryAction) ? queryAction : "Unsupported";

    internal override bool IsMutating(string operation) => false;

    internal override bool RequiresSignature(string operation) => operation != "AssumeRoleWithWebIdentity";

    internal override FakeResponse SignatureError(SignatureCheck check, string requestId) => XmlError(403, XmlNamespace, check.ErrorCode, check.Message, requestId);

    internal override FakeResponse ThrottleError(FakeRequest request, string requestId) => XmlError(400, XmlNamespace, "Throttling", "Rate exceeded", requestId);

    internal override FakeResponse ServerError(FakeRequest request, string requestId) => XmlError(500, XmlNamespace, "InternalFailure", "Internal failure", requestId, "Receiver");

    internal override FakeResponse Handle(string operation, FakeRequest request, string requestId)
    {
        var form = request.Method == "POST" ? request.Form : request.Query;
        if (operation != "AssumeRoleWithWebIdentity")
        {
            return XmlError(400, XmlNamespace, "InvalidAction", $"The fake STS does not implement {operation}", requestId);
        }

        var token = form.GetValueOrDefault("WebIdentityToken");
        var role = form.GetValueOrDefault("RoleArn");
        var session = form.GetValueOrDefault("RoleSessionName") ?? "session";
        if (string.IsNullOrEmpty(token) || (AcceptedToken is not null && token != AcceptedToken))
        {
            return XmlError(400, XmlNamespace, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider", requestId);
        }

        if (string.IsNullOrEmpty(role))
        {
            return XmlError(400, XmlNamespace, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null", requestId);
        }

        var number = Interlocked.Increment(ref _issued);
        var issued = new FakeCredentials($"ASIAFAKEWEBIDENT{number:D4}", $"web-identity-secret-{number}-{Guid.NewGuid():N}", $"web-identity-session-token-{Guid.NewGuid():N}");
        Server.AddCredentials(issued);
        LastIssued = issued;
        AssumedRoles = [.. AssumedRoles, (role, session)];
        var expiration = DateTimeOffset.UtcNow.AddHours(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var xml = new StringBuilder($"<AssumeRoleWithWebIdentityResponse xmlns=\"{XmlNamespace}\"><AssumeRoleWithWebIdentityResult>");
        xml.Append($"<SubjectFromWebIdentityToken>repo:storytailor/main:ref:refs/heads/main</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>");
        xml.Append($"<AssumedRoleUser><Arn>{Escape(role.Replace(":role/", ":assumed-role/", StringComparison.Ordinal))}/{Escape(session)}</Arn><AssumedRoleId>AROAFAKE:{Escape(session)}</AssumedRoleId></AssumedRoleUser>");
        xml.Append($"<Credentials><SessionToken>{issued.SessionToken}</SessionToken><SecretAccessKey>{issued.SecretAccessKey}</SecretAccessKey><Expiration>{expiration}</Expiration><AccessKeyId>{issued.AccessKeyId}</AccessKeyId></Credentials>");
        xml.Append($"<Provider>token.actions.githubusercontent.com</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>");
        return FakeResponse.Xml(200, xml.ToString());
    }
}
