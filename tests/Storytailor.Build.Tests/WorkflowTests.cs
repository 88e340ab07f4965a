using System.Reflection;
using System.Text.RegularExpressions;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using YamlDotNet.RepresentationModel;

namespace Storytailor.Build.Tests;

[TestFixture]
public sealed partial class WorkflowTests
{
    /// <summary>Targets that later work adds; until their task exists the test reports them as pending.</summary>
    private static readonly string[] LaterTargets = ["DeployStaging", "DeployProduction", "Rollback", "SmokeTests"];

    private static IReadOnlyList<string> TaskNames { get; } = typeof(BuildContext).Assembly.GetExportedTypes()
        .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => t.GetCustomAttribute<TaskNameAttribute>()?.Name ?? t.Name)
        .ToList();

    private static IEnumerable<string> Workflows() =>
        Directory.GetFiles(Path.Combine(BuildProgram.RepositoryRoot, ".github", "workflows"), "*.yml").Select(Path.GetFileName)!;

    [Test]
    public void Every_expected_workflow_exists()
    {
        Assert.That(Workflows(), Is.SupersetOf(new[] { "ci.yml", "staging-deploy.yml", "production-deploy.yml", "smoke-tests.yml", "codeql.yml" }));
    }

    [TestCaseSource(nameof(Workflows))]
    public void Each_job_runs_one_target_that_exists_with_the_secrets_it_needs(string file)
    {
        var root = Load(file);
        var workflowEnv = Keys(root, "env");
        var jobs = (YamlMappingNode)root.Children[new YamlScalarNode("jobs")];
        foreach (var (jobName, jobNode) in jobs.Children.Select(p => (((YamlScalarNode)p.Key).Value!, (YamlMappingNode)p.Value)))
        {
            var steps = ((YamlSequenceNode)jobNode.Children[new YamlScalarNode("steps")]).Children.OfType<YamlMappingNode>().ToList();
            var runs = steps.Select(s => s.Children.TryGetValue(new YamlScalarNode("run"), out var r) ? ((YamlScalarNode)r).Value! : null)
                .Where(r => r is not null && r.Contains("./build.sh", StringComparison.Ordinal))
                .ToList();
            if (file == "codeql.yml")
            {
                Assert.That(runs, Is.Empty, "CodeQL runs as its own action, not through build.sh");
                continue;
            }

            Assert.That(runs, Has.Count.EqualTo(1), $"{file}/{jobName}: exactly one step runs ./build.sh");
            var targets = TargetPattern().Matches(runs[0]!).Select(m => m.Groups[1].Value).ToList();
            Assert.That(targets, Has.Count.EqualTo(1), $"{file}/{jobName}: one target");
            var target = targets[0];

            if (!TaskNames.Contains(target))
            {
                Assert.That(LaterTargets, Does.Contain(target), $"{file}/{jobName}: target {target} does not exist in the task graph");
                TestContext.Progress.WriteLine($"pending: {file}/{jobName} calls {target}, which is not built yet");
                continue;
            }

            var environment = EnvironmentOf(jobNode, runs[0]!);
            var mapped = workflowEnv.Concat(Keys(jobNode, "env")).ToHashSet(StringComparer.Ordinal);
            var required = SecretCatalog.RequiredFor(target, environment).Select(s => s.Name);
            Assert.That(mapped, Is.SupersetOf(required), $"{file}/{jobName}: secrets for {target} ({environment})");
        }
    }

    [Test]
    public void Deploy_jobs_use_OIDC_and_production_deployments_are_never_cancelled()
    {
        foreach (var file in new[] { "staging-deploy.yml", "production-deploy.yml" })
        {
            var root = Load(file);
            var permissions = (YamlMappingNode)root.Children[new YamlScalarNode("permissions")];
            Assert.That(((YamlScalarNode)permissions.Children[new YamlScalarNode("id-token")]).Value, Is.EqualTo("write"), file);
            Assert.That(((YamlScalarNode)permissions.Children[new YamlScalarNode("contents")]).Value, Is.EqualTo("read"), file);
            var concurrency = (YamlMappingNode)root.Children[new YamlScalarNode("concurrency")];
            Assert.That(((YamlScalarNode)concurrency.Children[new YamlScalarNode("cancel-in-progress")]).Value, Is.EqualTo("false"), file);
        }

        var dispatch = File.ReadAllText(Path.Combine(BuildProgram.RepositoryRoot, ".github", "workflows", "production-deploy.yml"));
        Assert.That(dispatch, Does.Contain("tag:").And.Contain("skip_tests:").And.Contain("reason:").And.Contain("rollback:"));
    }

    private static DeploymentEnvironment EnvironmentOf(YamlMappingNode job, string run)
    {
        var text = job.Children.TryGetValue(new YamlScalarNode("environment"), out var node) && node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : string.Empty;
        return text.Contains("production", StringComparison.Ordinal) || run.Contains("--environment=production", StringComparison.Ordinal)
            ? DeploymentEnvironment.Production
            : DeploymentEnvironment.Staging;
    }

    private static IEnumerable<string> Keys(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map
            ? map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!)
            : [];

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(BuildProgram.RepositoryRoot, ".github", "workflows", file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"--target[= ]([A-Za-z]+)")]
    private static partial Regex TargetPattern();
}
