using System.Text.Json;
using Cake.Core;
using Cake.Core.IO;
using Cake.Core.Tooling;
using Storytailor.Core;

namespace Storytailor.Checks.Terraform;

/// <summary>Settings of one terraform invocation: the configuration folder (WorkingDirectory), tool path, environment.</summary>
public sealed class TerraformSettings : ToolSettings
{
    /// <summary>Input variables passed as -var name=value to plan and destroy (values are masked in Cake's command log).</summary>
    public IDictionary<string, string> Variables { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Variable files passed as -var-file to plan and destroy.</summary>
    public IList<string> VariableFiles { get; } = [];
}

/// <summary>The captured (redacted) output and exit code of one terraform run.</summary>
public sealed record TerraformRun(string Command, int ExitCode, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Output => string.Join('\n', StandardOutput);

    public string Errors => string.Join('\n', StandardError);

    public string Tail(int lines = 15) => string.Join('\n', StandardOutput.Concat(StandardError).Where(l => l.Trim().Length > 0).TakeLast(lines));
}

/// <summary>A terraform diagnostic (from validate -json) with its location.</summary>
public sealed record TerraformDiagnostic(string Severity, string Summary, string? Detail, string? File, int? Line, int? Column)
{
    public string Location => File is null ? "(no file)" : Line is null ? File : $"{File}:{Line}" + (Column is null ? string.Empty : $":{Column}");

    public override string ToString() => $"{Location}: {Severity}: {Summary}" + (string.IsNullOrWhiteSpace(Detail) ? string.Empty : $" — {Detail}");
}

public sealed record TerraformFormatCheck(TerraformRun Run, IReadOnlyList<string> UnformattedFiles)
{
    /// <summary>True when every file is formatted (exit 0). Exit 3 lists files; other codes are errors (e.g. syntax).</summary>
    public bool Formatted => Run.ExitCode == 0;
}

public sealed record TerraformValidateOutcome(TerraformRun Run, bool Valid, IReadOnlyList<TerraformDiagnostic> Diagnostics);

public enum TerraformPlanChanges
{
    None,
    Present,
}

public sealed record TerraformPlanOutcome(TerraformRun Run, TerraformPlanChanges Changes, string PlanFile);

/// <summary>What a saved plan would do (from show -json).</summary>
public sealed record TerraformPlanSummary(int Add, int Change, int Destroy, IReadOnlyList<string> ResourceChanges)
{
    public override string ToString() => $"Plan: {Add} to add, {Change} to change, {Destroy} to destroy.";
}

/// <summary>Init options: no backend (validation) or backend configuration pairs.</summary>
public sealed record TerraformInitOptions
{
    public bool Backend { get; init; } = true;

    public IReadOnlyDictionary<string, string> BackendConfig { get; init; } = new Dictionary<string, string>();

    public bool Reconfigure { get; init; }
}

/// <summary>
/// The terraform CLI on Cake's <see cref="Tool{TSettings}"/>. Output is always redirected, passed through
/// the secret redactor line by line and relayed to the build log; nothing reaches the console unredacted.
/// Non-zero exit codes are returned, not thrown: each operation interprets them (fmt 3, plan 2).
/// </summary>
public sealed class TerraformTool(IFileSystem fileSystem, ICakeEnvironment environment, IProcessRunner processRunner, IToolLocator tools, IBuildLog log, SecretRedactor redactor)
    : Tool<TerraformSettings>(fileSystem, environment, processRunner, tools)
{
    public TerraformRun Init(TerraformSettings settings, TerraformInitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = new ProcessArgumentBuilder().Append("init").Append("-input=false").Append("-no-color");
        if (!options.Backend)
        {
            arguments.Append("-backend=false");
        }

        foreach (var (key, value) in options.BackendConfig.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            redactor.Register(value);
            arguments.AppendSwitchQuotedSecret("-backend-config", "=", $"{key}={value}");
        }

        if (options.Reconfigure)
        {
            arguments.Append("-reconfigure");
        }

        return Execute(settings, arguments);
    }

    /// <summary>Selects the workspace, creating it when it does not exist.</summary>
    public TerraformRun SelectOrCreateWorkspace(TerraformSettings settings, string workspace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspace);
        return Execute(settings, new ProcessArgumentBuilder().Append("workspace").Append("select").Append("-or-create=true").Append("-no-color").AppendQuoted(workspace));
    }

    /// <summary>Selects an existing workspace; never creates one.</summary>
    public TerraformRun SelectWorkspace(TerraformSettings settings, string workspace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspace);
        return Execute(settings, new ProcessArgumentBuilder().Append("workspace").Append("select").Append("-no-color").AppendQuoted(workspace));
    }

    /// <summary>The workspaces of the initialised backend (terraform workspace list), without changing anything.</summary>
    public IReadOnlyList<string> ListWorkspaces(TerraformSettings settings)
    {
        var run = Execute(settings, new ProcessArgumentBuilder().Append("workspace").Append("list").Append("-no-color"), relay: false);
        return run.Succeeded
            ? [.. run.StandardOutput.Select(l => l.TrimStart('*').Trim()).Where(l => l.Length > 0)]
            : throw new TerraformException($"terraform workspace list failed (exit {run.ExitCode}): {run.Errors}");
    }

    public TerraformFormatCheck FormatCheck(TerraformSettings settings)
    {
        var run = Execute(settings, new ProcessArgumentBuilder().Append("fmt").Append("-check").Append("-recursive").Append("-list=true").Append("-no-color"));
        var files = run.ExitCode == 3
            ? run.StandardOutput.Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : [];
        return new TerraformFormatCheck(run, files);
    }

    public TerraformValidateOutcome Validate(TerraformSettings settings)
    {
        var run = Execute(settings, new ProcessArgumentBuilder().Append("validate").Append("-json").Append("-no-color"), relay: false);
        var (valid, diagnostics) = ParseValidate(run.Output);
        foreach (var diagnostic in diagnostics)
        {
            log.Information(diagnostic.ToString());
        }

        return new TerraformValidateOutcome(run, valid && run.Succeeded, diagnostics);
    }

    /// <summary>Plans into a saved plan file with -detailed-exitcode (0 no changes, 2 changes, otherwise an error).</summary>
    public TerraformPlanOutcome Plan(TerraformSettings settings, string planFile, bool destroy = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var arguments = new ProcessArgumentBuilder().Append("plan").Append("-input=false").Append("-no-color").Append("-detailed-exitcode")
            .AppendSwitchQuoted("-out", "=", planFile);
        if (destroy)
        {
            arguments.Append("-destroy");
        }

        AppendVariables(settings, arguments);
        var run = Execute(settings, arguments);
        return new TerraformPlanOutcome(run, run.ExitCode == 2 ? TerraformPlanChanges.Present : TerraformPlanChanges.None, planFile);
    }

    /// <summary>Summarises a saved plan (show -json). The JSON is not relayed to the log (it can hold values).</summary>
    public TerraformPlanSummary ShowPlan(TerraformSettings settings, string planFile, out TerraformRun run)
    {
        run = Execute(settings, new ProcessArgumentBuilder().Append("show").Append("-json").Append("-no-color").AppendQuoted(planFile), relay: false);
        if (!run.Succeeded)
        {
            throw new TerraformException($"terraform show -json {planFile} failed (exit {run.ExitCode}):\n{run.Tail()}");
        }

        return SummarisePlan(run.Output);
    }

    public TerraformRun Apply(TerraformSettings settings, string planFile) =>
        Execute(settings, new ProcessArgumentBuilder().Append("apply").Append("-input=false").Append("-no-color").Append("-auto-approve").AppendQuoted(planFile));

    /// <summary>The root module's outputs. Sensitive values are registered with the redactor before they are returned.</summary>
    public IReadOnlyDictionary<string, JsonElement> Output(TerraformSettings settings)
    {
        var run = Execute(settings, new ProcessArgumentBuilder().Append("output").Append("-json").Append("-no-color"), relay: false, redactOutput: false);
        if (!run.Succeeded)
        {
            throw new TerraformException($"terraform output -json failed (exit {run.ExitCode}):\n{redactor.Redact(run.Tail())}");
        }

        var outputs = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(run.Output.Length == 0 ? "{}" : run.Output);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value.GetProperty("value").Clone();
            if (property.Value.TryGetProperty("sensitive", out var sensitive) && sensitive.ValueKind == JsonValueKind.True)
            {
                redactor.Register(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
            }

            outputs[property.Name] = value;
        }

        return outputs;
    }

    public TerraformRun Destroy(TerraformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var arguments = new ProcessArgumentBuilder().Append("destroy").Append("-input=false").Append("-no-color").Append("-auto-approve");
        AppendVariables(settings, arguments);
        return Execute(settings, arguments);
    }

    public static (bool Valid, IReadOnlyList<TerraformDiagnostic> Diagnostics) ParseValidate(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (false, [new TerraformDiagnostic("error", "terraform validate printed no JSON", null, null, null, null)]);
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var valid = root.TryGetProperty("valid", out var v) && v.ValueKind == JsonValueKind.True;
        var diagnostics = new List<TerraformDiagnostic>();
        if (root.TryGetProperty("diagnostics", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var d in list.EnumerateArray())
            {
                string? file = null;
                int? line = null, column = null;
                if (d.TryGetProperty("range", out var range))
                {
                    file = range.TryGetProperty("filename", out var f) ? f.GetString() : null;
                    if (range.TryGetProperty("start", out var start))
                    {
                        line = start.TryGetProperty("line", out var l) ? l.GetInt32() : null;
                        column = start.TryGetProperty("column", out var c) ? c.GetInt32() : null;
                    }
                }

                diagnostics.Add(new TerraformDiagnostic(
                    d.TryGetProperty("severity", out var s) ? s.GetString() ?? "error" : "error",
                    d.TryGetProperty("summary", out var summary) ? summary.GetString() ?? string.Empty : string.Empty,
                    d.TryGetProperty("detail", out var detail) ? detail.GetString() : null,
                    file, line, column));
            }
        }

        return (valid, diagnostics);
    }

    public static TerraformPlanSummary SummarisePlan(string showJson)
    {
        using var document = JsonDocument.Parse(showJson);
        int add = 0, change = 0, destroy = 0;
        var changes = new List<string>();
        if (document.RootElement.TryGetProperty("resource_changes", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var resource in list.EnumerateArray())
            {
                var actions = resource.GetProperty("change").GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToList();
                var address = resource.TryGetProperty("address", out var a) ? a.GetString() : "?";
                if (actions.Contains("create"))
                {
                    add++;
                }

                if (actions.Contains("delete"))
                {
                    destroy++;
                }

                if (actions.Contains("update"))
                {
                    change++;
                }

                if (!actions.All(x => x is "no-op" or "read"))
                {
                    changes.Add($"{address}: {string.Join("+", actions)}");
                }
            }
        }

        return new TerraformPlanSummary(add, change, destroy, changes);
    }

    protected override string GetToolName() => "terraform";

    protected override IEnumerable<string> GetToolExecutableNames() => ["terraform", "terraform.exe"];

    private static void AppendVariables(TerraformSettings settings, ProcessArgumentBuilder arguments)
    {
        foreach (var file in settings.VariableFiles)
        {
            arguments.AppendSwitchQuoted("-var-file", "=", file);
        }

        foreach (var (name, value) in settings.Variables)
        {
            arguments.Append("-var");
            arguments.AppendQuotedSecret($"{name}={value}");
        }
    }

    private TerraformRun Execute(TerraformSettings settings, ProcessArgumentBuilder arguments, bool relay = true, bool redactOutput = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EnvironmentVariables ??= new Dictionary<string, string>();
        settings.EnvironmentVariables["TF_IN_AUTOMATION"] = "1";
        settings.EnvironmentVariables["TF_INPUT"] = "0";
        settings.EnvironmentVariables["CHECKPOINT_DISABLE"] = "1";
        var stdout = new List<string>();
        var stderr = new List<string>();
        var rendered = arguments.RenderSafe();
        log.Verbose($"> terraform {rendered}");
        var process = new ProcessSettings
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectedStandardOutputHandler = line => Capture(stdout, line, relay, redactOutput, isError: false),
            RedirectedStandardErrorHandler = line => Capture(stderr, line, relay, redactOutput: true, isError: true),
        };
        var exitCode = -1;
        try
        {
            Run(settings, arguments, process, p => exitCode = p.GetExitCode());
        }
        catch (CakeException ex)
        {
            throw new TerraformException($"terraform {rendered} could not run: {ex.Message}", ex);
        }

        lock (stdout)
        {
            lock (stderr)
            {
                return new TerraformRun($"terraform {rendered}", exitCode, [.. stdout], [.. stderr]);
            }
        }
    }

    private string Capture(List<string> buffer, string? line, bool relay, bool redactOutput, bool isError)
    {
        if (line is null)
        {
            return string.Empty;
        }

        var clean = redactOutput ? redactor.Redact(line) : line;
        lock (buffer)
        {
            buffer.Add(clean);
        }

        if (relay)
        {
            var shown = redactor.Redact(line);
            if (isError)
            {
                log.Warning($"[terraform] {shown}");
            }
            else
            {
                log.Information(shown);
            }
        }

        // What Cake keeps for IProcess.GetStandardOutput(): always redacted.
        return redactor.Redact(line);
    }

    /// <summary>Exit codes are interpreted by each operation (fmt 3, plan 2, ...), never thrown here.</summary>
    protected override void ProcessExitCode(int exitCode)
    {
    }
}

/// <summary>terraform could not be started, or a step whose output is needed failed.</summary>
public sealed class TerraformException(string message, Exception? inner = null) : Exception(message, inner);
