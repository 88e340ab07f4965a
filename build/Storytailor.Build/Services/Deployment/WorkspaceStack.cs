using System.Text.Json;
using Storytailor.Checks.Terraform;

namespace Storytailor.Build.Services.Deployment;

/// <summary>What one Terraform plan of a workspace would do.</summary>
public sealed record StackPlan(string Workspace, bool HasChanges, TerraformPlanSummary Summary, string PlanFile)
{
    public string Describe() => $"{Workspace}: {Summary}{(Summary.ResourceChanges.Count == 0 ? string.Empty : " " + string.Join(", ", Summary.ResourceChanges.Take(8)))}";
}

/// <summary>The input variables of one deployment of the app's configuration.</summary>
public sealed record StackVariables(string AppVersion, IReadOnlyDictionary<string, StackArtifact> Artifacts);

/// <summary>One function's artifact as Terraform receives it: the S3 key and the base64 SHA-256 of the zip (CodeSha256).</summary>
public sealed record StackArtifact(string S3Key, string CodeSha256);

/// <summary>A failed Terraform step, naming the command and the tail of its output.</summary>
public class StackException(string message) : Exception(message);

/// <summary>A read-only stack was asked about a workspace that does not exist yet (a run's first apply creates it).</summary>
public sealed class WorkspaceMissingException(string workspace)
    : StackException($"workspace {workspace} does not exist yet: a run creates it and applies every resource of the configuration (a dry run creates nothing)")
{
    public string Workspace { get; } = workspace;
}

/// <summary>The infrastructure of one Terraform workspace: plan, apply, read outputs, destroy.</summary>
public interface IWorkspaceStack
{
    StackPlan Plan(string workspace, StackVariables variables, bool destroy = false);

    void Apply(StackPlan plan);

    /// <summary>The workspace's outputs; empty when nothing is deployed in it (never applied, or destroyed).</summary>
    IReadOnlyDictionary<string, JsonElement> Outputs(string workspace);

    void Destroy(string workspace, StackVariables variables);
}

/// <summary>How Terraform keeps its state: in the S3 state bucket, or the configuration's own backend (rehearsals).</summary>
public sealed record StackBackend(string Kind, string? Bucket, string StateKey, string? Region)
{
    public IReadOnlyDictionary<string, string> InitConfig => Kind == "s3" && Bucket is not null
        ? new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bucket"] = Bucket,
            ["key"] = StateKey,
            ["region"] = Region ?? "us-east-1",
        }
        : new Dictionary<string, string>();
}

/// <summary>The app's Terraform configuration, one workspace per colour (or environment).</summary>
public sealed class TerraformWorkspaceStack(TerraformTool terraform, string configurationDirectory, string planDirectory, StackBackend backend, string? varFileTemplate) : IWorkspaceStack
{
    private bool _initialised;

    /// <summary>
    /// Dry runs: never create a workspace (that writes to the state backend). A missing workspace has no outputs,
    /// and planning it throws <see cref="WorkspaceMissingException"/>.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>The variable names the build sets (the app's description).</summary>
    public Description.TerraformContract Contract { get; init; } = Description.TerraformContract.Default;

    public StackPlan Plan(string workspace, StackVariables variables, bool destroy = false)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var settings = Select(workspace);
        AddVariables(settings, workspace, variables);
        Directory.CreateDirectory(planDirectory);
        var planFile = Path.Combine(planDirectory, $"{workspace}{(destroy ? "-destroy" : string.Empty)}.tfplan");
        var outcome = terraform.Plan(settings, planFile, destroy);
        if (outcome.Run.ExitCode is not (0 or 2))
        {
            throw new StackException($"terraform plan in workspace {workspace} failed (exit {outcome.Run.ExitCode}):\n{outcome.Run.Tail()}");
        }

        var summary = terraform.ShowPlan(settings, planFile, out _);
        return new StackPlan(workspace, outcome.Changes == TerraformPlanChanges.Present, summary, planFile);
    }

    public void Apply(StackPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var run = terraform.Apply(Select(plan.Workspace), plan.PlanFile);
        if (!run.Succeeded)
        {
            throw new StackException($"terraform apply in workspace {plan.Workspace} failed (exit {run.ExitCode}):\n{run.Tail()}");
        }
    }

    public IReadOnlyDictionary<string, JsonElement> Outputs(string workspace)
    {
        try
        {
            return terraform.Output(Select(workspace));
        }
        catch (WorkspaceMissingException)
        {
            return new Dictionary<string, JsonElement>();
        }
        catch (TerraformException ex)
        {
            throw new StackException($"terraform output in workspace {workspace} failed: {ex.Message}");
        }
    }

    public void Destroy(string workspace, StackVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var settings = Select(workspace);
        AddVariables(settings, workspace, variables);
        var run = terraform.Destroy(settings);
        if (!run.Succeeded)
        {
            throw new StackException($"terraform destroy in workspace {workspace} failed (exit {run.ExitCode}):\n{run.Tail()}");
        }
    }

    private TerraformSettings Select(string workspace)
    {
        var settings = new TerraformSettings { WorkingDirectory = configurationDirectory };
        if (!_initialised)
        {
            var init = terraform.Init(settings, new TerraformInitOptions { BackendConfig = backend.InitConfig, Reconfigure = true });
            if (!init.Succeeded)
            {
                throw new StackException($"terraform init in {configurationDirectory} ({backend.Kind} backend) failed (exit {init.ExitCode}):\n{init.Tail()}");
            }

            _initialised = true;
        }

        if (ReadOnly && !ListWorkspaces(settings).Contains(workspace, StringComparer.Ordinal))
        {
            throw new WorkspaceMissingException(workspace);
        }

        var select = ReadOnly ? terraform.SelectWorkspace(settings, workspace) : terraform.SelectOrCreateWorkspace(settings, workspace);
        if (!select.Succeeded)
        {
            throw new StackException($"terraform workspace select {workspace} failed (exit {select.ExitCode}):\n{select.Tail()}");
        }

        return new TerraformSettings { WorkingDirectory = configurationDirectory };
    }

    private IReadOnlyList<string> ListWorkspaces(TerraformSettings settings)
    {
        try
        {
            return terraform.ListWorkspaces(settings);
        }
        catch (TerraformException ex)
        {
            throw new StackException($"terraform workspace list in {configurationDirectory} failed: {ex.Message}");
        }
    }

    private void AddVariables(TerraformSettings settings, string workspace, StackVariables variables)
    {
        settings.Variables[Contract.VersionVariable] = variables.AppVersion;
        if (variables.Artifacts.Count > 0)
        {
            settings.Variables[Contract.ArtifactsVariable] = JsonSerializer.Serialize(variables.Artifacts.ToDictionary(
                p => p.Key,
                p => new Dictionary<string, string> { ["s3_key"] = p.Value.S3Key, ["code_sha256"] = p.Value.CodeSha256 }));
        }

        if (varFileTemplate is not null)
        {
            var path = varFileTemplate.Replace("{workspace}", workspace, StringComparison.Ordinal);
            if (!File.Exists(path))
            {
                throw new StackException($"The Terraform variable file {path} (--terraform-var-file) does not exist.");
            }

            settings.VariableFiles.Add(path);
        }
    }
}
