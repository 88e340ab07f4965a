namespace Storytailor.Build.Tests;

/// <summary>The deployment targets are graphs of stage tasks: --tree draws them in order, without any deployment parameter.</summary>
public sealed class DeploymentGraphTests
{
    private static readonly string[] ProductionStages =
    [
        "DeployProduction", "CleanupOldColour", "MonitorRelease", "SwitchTraffic", "TestIdleColour", "WarmUp",
        "VerifyFunctions", "DeployIdleColour", "MigrateProductionDatabase", "UploadArtifacts", "AcquireDeploymentLock",
    ];

    /// <summary>What AcquireDeploymentLock depends on, in order: the Ci gates (cached by key as in Ci), then the packages.</summary>
    private static readonly string[] ProductionGates = ["Lint", "Typecheck", "UnitTests", "SecretScan", "SecurityAudit", "Database", "Package"];

    [Test]
    public void The_tree_of_DeployProduction_draws_its_stages_in_order()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--target=DeployProduction", "--tree");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var tree = TreeOf(run.Output, "DeployProduction");
        Assert.That(tree.Take(ProductionStages.Length), Is.EqualTo(ProductionStages), run.Output);
        Assert.That(tree.Skip(ProductionStages.Length).First(), Is.EqualTo("Preflight"), run.Output);
        Assert.That(tree.Skip(ProductionStages.Length).Where(t => t is not ("Preflight" or "Restore" or "Compile")), Is.EqualTo(ProductionGates), "the Ci gates come before the lock is taken");
    }

    private static readonly string[] RollbackStages = ["Rollback", "SwitchBack", "RestoreRollbackTarget", "AcquireRollbackLock", "Preflight"];

    [Test]
    public void The_tree_of_Rollback_draws_its_stages_in_order()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--target=Rollback", "--tree");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(TreeOf(run.Output, "Rollback"), Is.EqualTo(RollbackStages), run.Output);
    }

    private static readonly string[] StagingStages =
    [
        "DeployStaging", "StagingSmokeTests", "StagingSecurityTests", "StagingLoadTest", "IntegrationTests",
        "VerifyStagingFunctions", "MigrateStaging", "ApplyStaging", "UploadStagingArtifacts", "AcquireStagingLock",
    ];

    [Test]
    public void The_tree_of_DeployStaging_draws_its_stages_in_order_after_the_Ci_gates()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--target=DeployStaging", "--tree");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var tree = TreeOf(run.Output, "DeployStaging");
        Assert.That(tree.Take(StagingStages.Length), Is.EqualTo(StagingStages), run.Output);
        Assert.That(tree.Skip(StagingStages.Length), Is.SupersetOf(new[] { "Preflight", "Lint", "Typecheck", "UnitTests", "Package" }));
    }

    [TestCase("PlanProduction")]
    [TestCase("PlanStaging")]
    [TestCase("PlanRollback")]
    public void The_plan_of_a_deployment_is_a_target_of_its_own(string target)
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--description");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Match($@"(?m)^\s*{target}\s+Prints what"));
    }

    [Test]
    public void Every_deployment_stage_has_a_one_line_description()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, new Dictionary<string, string?> { ["GITHUB_REF"] = null }, "--description");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        foreach (var stage in ProductionStages.Concat(StagingStages).Concat(RollbackStages))
        {
            Assert.That(run.Output, Does.Match($@"(?m)^\s*{stage}\s+\S"), $"{stage} is listed with its description");
        }
    }

    /// <summary>The task names of one target's tree, top-down, as --tree prints them (the block that starts with the target's name).</summary>
    internal static IReadOnlyList<string> TreeOf(string output, string target)
    {
        var lines = output.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == target);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"no tree of {target} in:\n{output}");
        return [.. lines.Skip(start).TakeWhile(l => l.Trim().Length > 0).Select(l => l.TrimStart(' ', '│', '├', '└', '─').Trim())];
    }
}
