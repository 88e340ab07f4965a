using System.Reflection;
using System.Text.RegularExpressions;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;
using Storytailor.Build.Services.Tools;
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

            var mapped = workflowEnv.Concat(Keys(jobNode, "env")).ToHashSet(StringComparer.Ordinal);
            foreach (var environment in EnvironmentsOf(jobNode, runs[0]!))
            {
                var required = SecretCatalog.RequiredFor(target, environment).Select(s => s.Name);
                Assert.That(mapped, Is.SupersetOf(required), $"{file}/{jobName}: secrets for {target} ({environment})");
            }
        }
    }

    [Test]
    public void Deploy_jobs_use_OIDC_and_production_deployments_are_never_cancelled()
    {
        foreach (var file in new[] { "staging-deploy.yml", "production-deploy.yml" })
        {
            var root = Load(file);
            foreach (var (jobName, job) in Jobs(root))
            {
                var permissions = Map(job, "permissions");
                Assert.That(Scalar(permissions, "id-token"), Is.EqualTo("write"), $"{file}/{jobName}");
                Assert.That(Scalar(permissions, "contents"), Is.EqualTo("read"), $"{file}/{jobName}");
            }

            var concurrency = Map(root, "concurrency");
            Assert.That(Scalar(concurrency, "cancel-in-progress"), Is.EqualTo("false"), file);
        }

        var dispatch = File.ReadAllText(Path.Combine(BuildProgram.RepositoryRoot, ".github", "workflows", "production-deploy.yml"));
        Assert.That(dispatch, Does.Contain("tag:").And.Contain("skip_tests:").And.Contain("reason:").And.Contain("rollback:"));
    }

    /// <summary>Nothing granted at workflow level; each job lists what it uses, and no job may write the repository.</summary>
    [TestCaseSource(nameof(Workflows))]
    public void Permissions_are_granted_per_job_and_least_privilege(string file)
    {
        var root = Load(file);
        Assert.That(Map(root, "permissions").Children, Is.Empty, $"{file}: permissions: {{}} at workflow level");
        foreach (var (jobName, job) in Jobs(root))
        {
            var permissions = Map(job, "permissions");
            Assert.That(permissions.Children, Is.Not.Empty, $"{file}/{jobName}: job permissions");
            Assert.That(Scalar(permissions, "contents"), Is.EqualTo("read"), $"{file}/{jobName}");
            var writes = permissions.Children.Where(p => ((YamlScalarNode)p.Value).Value == "write").Select(p => ((YamlScalarNode)p.Key).Value).ToList();
            Assert.That(writes, Is.SubsetOf(new[] { "id-token", "security-events" }), $"{file}/{jobName}: write permissions");
        }
    }

    /// <summary>
    /// Before the step that runs ./build.sh, every job installs what its target's stages need: setup-dotnet from
    /// global.json for build.sh itself, then each tool of the build's own list (BuildTools) for the stages the task
    /// graph runs for that target; terraform at the version .terraform-version pins. The build installs its pinned tools.
    /// </summary>
    [TestCaseSource(nameof(Workflows))]
    public void Each_job_installs_the_tools_its_target_needs_before_running_it(string file)
    {
        if (file == "codeql.yml")
        {
            Assert.Pass("CodeQL runs its own action");
        }

        foreach (var (jobName, job) in Jobs(Load(file)))
        {
            var steps = Steps(job);
            var buildStep = steps.FindIndex(s => Scalar(s, "run")?.Contains("./build.sh", StringComparison.Ordinal) == true);
            var target = TargetPattern().Match(Scalar(steps[buildStep], "run")!).Groups[1].Value;
            var before = steps.Take(buildStep).ToList();
            var stages = Stages(target);
            Assert.That(stages, Does.Contain(target), $"{file}/{jobName}: {target} is a task");

            var dotnet = before.FirstOrDefault(s => Uses(s)?.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) == true);
            Assert.That(dotnet, Is.Not.Null, $"{file}/{jobName}: actions/setup-dotnet before ./build.sh");
            Assert.That(Scalar(Map(dotnet!, "with"), "global-json-file"), Is.EqualTo("global.json"), $"{file}/{jobName}: the SDK global.json asks for");

            var tools = BuildTools.For(stages);
            var setups = tools.Select(t => t.GitHubSetup).OfType<string>().Distinct().ToList();
            foreach (var setup in setups)
            {
                Assert.That(before.Any(s => Uses(s)?.StartsWith(setup + "@", StringComparison.Ordinal) == true), Is.True,
                    $"{file}/{jobName}: {target} runs {string.Join(", ", tools.Where(t => t.GitHubSetup == setup).Select(t => t.Name))}; a step must install it with {setup} before ./build.sh");
            }

            if (tools.Contains(BuildTools.Terraform))
            {
                var terraform = before.First(s => Uses(s)?.StartsWith("hashicorp/setup-terraform@", StringComparison.Ordinal) == true);
                var version = Scalar(Map(terraform, "with"), "terraform_version") ?? string.Empty;
                var id = StepOutput().Match(version);
                Assert.That(id.Success, Is.True, $"{file}/{jobName}: terraform_version comes from a step that reads .terraform-version, found '{version}'");
                var reader = before.FirstOrDefault(s => Scalar(s, "id") == id.Groups[1].Value);
                Assert.That(Scalar(reader!, "run"), Does.Contain(".terraform-version"), $"{file}/{jobName}: step {id.Groups[1].Value} reads the pinned version");
                Assert.That(Scalar(Map(terraform, "with"), "terraform_wrapper"), Is.EqualTo("false"), $"{file}/{jobName}: the build reads terraform's own output");
            }

            TestContext.Progress.WriteLine($"{file}/{jobName}: {target} → {string.Join(", ", tools.Select(t => t.Name))} (set up by {string.Join(", ", setups.Prepend("actions/setup-dotnet"))})");
        }
    }

    [TestCaseSource(nameof(Workflows))]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(BuildProgram.RepositoryRoot, ".github", "workflows", file)).Where(l => UsesLine().IsMatch(l)).ToList();
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in lines)
        {
            Assert.That(line, Does.Match(@"uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$"), file);
        }
    }

    /// <summary>GitHub's hardening guide: inputs and event fields reach scripts through env:, never pasted into run:.</summary>
    [TestCaseSource(nameof(Workflows))]
    public void No_run_step_interpolates_inputs_or_event_fields(string file)
    {
        foreach (var (jobName, job) in Jobs(Load(file)))
        {
            foreach (var run in Steps(job).Select(s => Scalar(s, "run")).OfType<string>())
            {
                var expressions = Expression().Matches(run).Select(m => m.Value).ToList();
                Assert.That(expressions.Where(e => e.Contains("inputs.", StringComparison.Ordinal) || e.Contains("github.event", StringComparison.Ordinal) || e.Contains("github.head_ref", StringComparison.Ordinal)),
                    Is.Empty, $"{file}/{jobName}: {run}");
            }
        }
    }

    [Test]
    public void Production_deploys_check_out_the_tag_and_never_the_dispatching_branch()
    {
        var job = Jobs(Load("production-deploy.yml")).Single(j => j.Name == "deploy").Job;
        var checkout = Steps(job).First(s => Uses(s)?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true);
        var with = Map(checkout, "with");
        var reference = Scalar(with, "ref") ?? string.Empty;
        Assert.That(reference, Does.Contain("format('refs/tags/{0}', inputs.tag)").And.Contain("github.ref"), "dispatch: refs/tags/<input>; push: the pushed tag");
        Assert.That(Scalar(with, "fetch-depth"), Is.EqualTo("0"), "tags and history for the build's tag check");
        var env = Map(job, "env");
        Assert.That(Scalar(env, "STORYTAILOR_TAG"), Does.Contain("inputs.tag").And.Contain("github.ref_name"));
    }

    [Test]
    public void Staging_can_be_dispatched_and_scheduled_smoke_runs_are_not_gated_by_production_approvals()
    {
        Assert.That(Map(Load("staging-deploy.yml"), "on").Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value), Does.Contain("workflow_dispatch"));
        var smoke = Jobs(Load("smoke-tests.yml")).Single().Job;
        Assert.That(smoke.Children.ContainsKey(new YamlScalarNode("environment")), Is.False, "no deployment environment: production's approval rules would gate every 15-minute run");
    }

    [Test]
    public void Ci_runs_on_release_tags_and_publishes_the_artifact_set_only_on_the_default_branch_and_tags_with_AWS_just_then()
    {
        var root = Load("ci.yml");
        var push = Map(Map(root, "on"), "push");
        Assert.That(((YamlSequenceNode)push.Children[new YamlScalarNode("tags")]).Children.OfType<YamlScalarNode>().Select(t => t.Value), Does.Contain("v*.*.*"), "tag pushes run Ci, which publishes the tag's artifacts");
        var job = Jobs(root).Single().Job;
        var publish = Scalar(Map(job, "env"), BuildParameters.PublishArtifacts.EnvironmentVariable) ?? string.Empty;
        Assert.That(publish, Does.Contain("github.event.repository.default_branch").And.Contain("startsWith(github.ref, 'refs/tags/')"), "the build's --publish-artifacts, set on the default branch and tags only");
        Assert.That(Keys(job, "env"), Does.Contain("LAMBDA_ARTIFACTS_BUCKET"));
        var steps = Steps(job);
        var ci = steps.FindIndex(s => Scalar(s, "run")?.Contains("--target=Ci", StringComparison.Ordinal) == true);
        var credentials = steps.FindIndex(s => Uses(s)?.StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal) == true);
        Assert.That(credentials, Is.InRange(0, ci - 1), "AWS credentials before Ci");
        Assert.That(Scalar(steps[credentials], "if"), Does.Contain($"env.{BuildParameters.PublishArtifacts.EnvironmentVariable} == 'true'"), "only a publishing run assumes the role");
    }

    [Test]
    public void Ci_uploads_the_unit_tests_lcov_to_codecov_with_the_official_action_when_the_token_is_set()
    {
        var job = Jobs(Load("ci.yml")).Single().Job;
        var steps = Steps(job);
        var ci = steps.FindIndex(s => Scalar(s, "run")?.Contains("--target=Ci", StringComparison.Ordinal) == true);
        var upload = steps.FindIndex(s => Uses(s)?.StartsWith("codecov/codecov-action@", StringComparison.Ordinal) == true);
        Assert.That(upload, Is.GreaterThan(ci), "after Ci");
        Assert.That(Scalar(steps[upload], "if"), Does.Contain("env.CODECOV_TOKEN != ''"));
        Assert.That(Scalar(Map(steps[upload], "with"), "files"), Is.EqualTo("artifacts/coverage/lcov.info"), "the lcov UnitTests copies into artifacts/coverage");
        Assert.That(Scalar(Map(steps[upload], "with"), "token"), Does.Contain("CODECOV_TOKEN"));
        Assert.That(Keys(job, "env"), Does.Contain("CODECOV_TOKEN"));
    }

    /// <summary>The stages a target runs: the closure of its IsDependentOn/IsDependeeOf edges in the build's task classes.</summary>
    private static HashSet<string> Stages(string target)
    {
        var types = typeof(BuildContext).Assembly.GetExportedTypes().Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        static string NameOf(Type t) => t.GetCustomAttribute<TaskNameAttribute>()?.Name ?? t.Name;
        var edges = types.ToDictionary(NameOf, t => t.GetCustomAttributes<IsDependentOnAttribute>().Select(a => NameOf(a.Task)).ToList(), StringComparer.OrdinalIgnoreCase);
        foreach (var type in types)
        {
            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                edges[NameOf(dependee.Task)].Add(NameOf(type));
            }
        }

        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([target]);
        while (pending.Count > 0)
        {
            var stage = pending.Pop();
            if (stages.Add(stage))
            {
                foreach (var next in edges.GetValueOrDefault(stage, []))
                {
                    pending.Push(next);
                }
            }
        }

        return stages;
    }

    private static IEnumerable<(string Name, YamlMappingNode Job)> Jobs(YamlMappingNode root) =>
        Map(root, "jobs").Children.Select(p => (((YamlScalarNode)p.Key).Value!, (YamlMappingNode)p.Value));

    private static List<YamlMappingNode> Steps(YamlMappingNode job) =>
        ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.OfType<YamlMappingNode>().ToList();

    private static string? Uses(YamlMappingNode step) => Scalar(step, "uses");

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map ? map : new YamlMappingNode();

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>The environments a job's target runs against: both when a dispatch input chooses.</summary>
    private static IEnumerable<DeploymentEnvironment> EnvironmentsOf(YamlMappingNode job, string run)
    {
        var text = (Scalar(job, "environment") ?? string.Empty) + " " + (Scalar(Map(job, "env"), "STORYTAILOR_ENVIRONMENT") ?? string.Empty) + " " + run;
        if (text.Contains("inputs.environment", StringComparison.Ordinal))
        {
            return [DeploymentEnvironment.Production, DeploymentEnvironment.Staging];
        }

        return text.Contains("production", StringComparison.Ordinal) ? [DeploymentEnvironment.Production] : [DeploymentEnvironment.Staging];
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

    [GeneratedRegex(@"\$\{\{\s*steps\.([\w-]+)\.outputs\.version\s*\}\}")]
    private static partial Regex StepOutput();

    [GeneratedRegex(@"^\s*-?\s*uses:")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"\$\{\{.*?\}\}")]
    private static partial Regex Expression();
}
