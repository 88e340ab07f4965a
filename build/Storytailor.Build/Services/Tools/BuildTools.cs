namespace Storytailor.Build.Services.Tools;

/// <summary>Where a tool comes from: the machine (the user or the workflow installs it) or the build itself (pinned under tools/).</summary>
public enum ToolSource
{
    /// <summary>On PATH; the build checks it and says how to install it.</summary>
    System,

    /// <summary>Pinned by a lockfile under tools/; the build installs it when it is missing, outdated or damaged.</summary>
    Pinned,
}

/// <summary>
/// A tool a stage runs. <see cref="GitHubSetup"/> is the action a workflow uses to install it before
/// <c>./build.sh</c> (null: the runner image has it); pinned tools need <see cref="Needs"/> to install and run.
/// </summary>
public sealed record BuildTool(string Name, ToolSource Source, string Purpose, string? GitHubSetup, string HowToInstall)
{
    public IReadOnlyList<BuildTool> Needs { get; init; } = [];
}

/// <summary>The tools each stage of the build runs: one list, read by the tool bootstrap and by the workflow test.</summary>
public static class BuildTools
{
    public static readonly BuildTool Node = new(
        "node", ToolSource.System, "runs npm and the app's scripts", "actions/setup-node",
        "install Node.js 20.19 or later with npm (https://nodejs.org/en/download; on GitHub: actions/setup-node)");

    public static readonly BuildTool Git = new(
        "git", ToolSource.System, "lists the app's files, names the commit and checks the release tag", null,
        "install git (apt-get install git; GitHub's runners have it)");

    public static readonly BuildTool Terraform = new(
        "terraform", ToolSource.System, "validates, plans and applies the infrastructure", "hashicorp/setup-terraform",
        "install Terraform {version} (https://developer.hashicorp.com/terraform/install, or tfenv, which reads .terraform-version; on GitHub: hashicorp/setup-terraform with the version from .terraform-version)");

    public static readonly BuildTool SupabaseCli = new(
        "supabase", ToolSource.Pinned, "applies migrations (supabase db push)", null,
        "./build.sh installs it into tools/supabase (npm ci of its lockfile); it needs node and npm")
    {
        Needs = [Node],
    };

    /// <summary>Every tool, for the Tools target.</summary>
    public static IReadOnlyList<BuildTool> All { get; } = [Node, Git, Terraform, SupabaseCli];

    private static readonly Dictionary<string, BuildTool[]> ByStage = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Restore"] = [Node],
        ["Lint"] = [Node],
        ["Typecheck"] = [Node],
        ["FormatCheck"] = [Node],
        ["UnitTests"] = [Node],
        ["SecurityAudit"] = [Node],
        ["SecretScan"] = [Git],
        ["Compile"] = [Node],
        ["Package"] = [Node, Git],
        ["PublishArtifacts"] = [Git],
        ["TerraformValidate"] = [Terraform],
        ["Database"] = [SupabaseCli, Git],
        ["PerformanceBaseline"] = [Node],
        ["DeployStaging"] = [Terraform, SupabaseCli, Node, Git],
        ["DeployProduction"] = [Terraform, Git],
        ["Rollback"] = [Terraform],
        ["PlanStaging"] = [Terraform, SupabaseCli, Git],
        ["PlanProduction"] = [Terraform, Git],
        ["PlanRollback"] = [Terraform],
        ["Tools"] = [.. All],
    };

    /// <summary>The tools of these stages (and what pinned ones need), each once, system tools first.</summary>
    public static IReadOnlyList<BuildTool> For(IEnumerable<string> stages)
    {
        var tools = new List<BuildTool>();
        foreach (var stage in stages)
        {
            foreach (var tool in ByStage.GetValueOrDefault(stage, []))
            {
                tools.AddRange(tool.Needs.Append(tool));
            }
        }

        return [.. tools.Distinct().OrderBy(t => t.Source).ThenBy(t => All.ToList().IndexOf(t))];
    }
}
