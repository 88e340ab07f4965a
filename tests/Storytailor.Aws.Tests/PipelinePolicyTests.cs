using System.Text.Json;
using NUnit.Framework;

namespace Storytailor.Aws.Tests;

public sealed class PipelinePolicyTests
{
    private static HashSet<string> PolicyActions()
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "pipeline-policy.json");
        using var policy = JsonDocument.Parse(File.ReadAllText(path));
        return policy.RootElement.GetProperty("Statement").EnumerateArray()
            .Where(s => s.GetProperty("Effect").GetString() == "Allow")
            .SelectMany(s => s.GetProperty("Action").ValueKind == JsonValueKind.Array ? s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!) : [s.GetProperty("Action").GetString()!])
            .ToHashSet(StringComparer.Ordinal);
    }

    [Test]
    public void Every_operation_the_clients_call_is_allowed_by_the_policy()
    {
        var actions = PolicyActions();
        var missing = AwsClientFactory.AllOperations.Where(op => !actions.Contains(op.Value)).Select(op => $"{op.Key} needs {op.Value}").ToList();
        Assert.That(missing, Is.Empty, "pipeline-policy.json lacks actions the clients call");
    }

    [Test]
    public void The_policy_grants_nothing_the_clients_do_not_call()
    {
        var needed = AwsClientFactory.AllOperations.Values.ToHashSet(StringComparer.Ordinal);
        Assert.That(PolicyActions().Where(a => !needed.Contains(a) || a.Contains('*', StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void The_declared_operations_are_exactly_what_the_fake_records()
    {
        Assert.That(
            AwsClientFactory.AllOperations.Keys,
            Is.EquivalentTo(new[]
            {
                "s3:GetObject", "s3:HeadObject", "s3:PutObject", "s3:DeleteObject", "s3:ListObjectsV2",
                "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange",
                "lambda:GetFunctionConfiguration", "lambda:Invoke", "monitoring:GetMetricData", "monitoring:DescribeAlarms",
                "logs:StartQuery", "logs:GetQueryResults",
            }));
    }
}
