using Storytailor.Core;

namespace Storytailor.Checks.Terraform;

/// <summary>Settings of the Terraform validation stage.</summary>
/// <param name="ConfigurationFolder">The root Terraform configuration (e.g. example/infrastructure/terraform).</param>
public sealed record TerraformValidationSettings(string ConfigurationFolder)
{
    /// <summary>terraform executable; null: found by Cake's tool locator (PATH, tools folder).</summary>
    public string? ToolPath { get; init; }

    /// <summary>Plugin cache folder (TF_PLUGIN_CACHE_DIR) so providers are downloaded once; null: none.</summary>
    public string? PluginCacheFolder { get; init; }
}

public sealed record TerraformValidationResult(StageOutcome Outcome, string Message, IReadOnlyList<string> UnformattedFiles, IReadOnlyList<TerraformDiagnostic> Diagnostics)
{
    public bool Passed => Outcome != StageOutcome.Failed;

    /// <summary>GitHub Actions workflow commands (<c>::error file=..,line=..::..</c>) for the failures, to print as they are.</summary>
    public IReadOnlyList<string> Annotations { get; init; } = [];
}

/// <summary>The CI check of the app's infrastructure: fmt -check -recursive, init -backend=false, validate.</summary>
public sealed class TerraformValidation(TerraformTool terraform, IBuildLog log)
{
    public TerraformValidationResult Validate(TerraformValidationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var folder = Path.GetFullPath(settings.ConfigurationFolder);
        if (!Directory.Exists(folder))
        {
            return Fail($"Terraform validation could not run: {folder} does not exist.", [], [], []);
        }

        var tool = NewSettings(settings, folder);
        try
        {
            var fmt = terraform.FormatCheck(tool);
            if (!fmt.Formatted)
            {
                if (fmt.Run.ExitCode == 3)
                {
                    var files = fmt.UnformattedFiles.Select(f => Relative(folder, f)).ToList();
                    var annotations = files.Select(f => GitHubAnnotation.Error("terraform fmt: file is not formatted (run terraform fmt)", Annotated(settings, f))).ToList();
                    return Fail($"Terraform files are not formatted (run `terraform fmt -recursive` in {folder}):\n" + string.Join('\n', files.Select(f => $"  {f}")), files, [], annotations);
                }

                return Fail($"terraform fmt -check failed (exit {fmt.Run.ExitCode}):\n{fmt.Run.Tail()}", [], [], []);
            }

            var init = terraform.Init(NewSettings(settings, folder), new TerraformInitOptions { Backend = false });
            if (!init.Succeeded)
            {
                return Fail($"terraform init -backend=false failed (exit {init.ExitCode}):\n{init.Tail()}", [], [], []);
            }

            var validate = terraform.Validate(NewSettings(settings, folder));
            var problems = validate.Diagnostics.Where(d => d.Severity == "error").ToList();
            if (!validate.Valid || problems.Count > 0)
            {
                if (problems.Count == 0)
                {
                    problems = [.. validate.Diagnostics];
                }

                var annotations = problems.Select(d => GitHubAnnotation.Error(d.Summary + (string.IsNullOrWhiteSpace(d.Detail) ? string.Empty : $": {d.Detail}"), Annotated(settings, d.File), d.Line, d.Column)).ToList();
                var message = problems.Count == 0
                    ? $"terraform validate failed (exit {validate.Run.ExitCode}):\n{validate.Run.Tail()}"
                    : "terraform validate found errors:\n" + string.Join('\n', problems.Select(d => $"  {d}"));
                return Fail(message, [], validate.Diagnostics, annotations);
            }

            foreach (var warning in validate.Diagnostics)
            {
                log.Warning($"terraform validate: {warning}");
            }

            var passed = $"Terraform configuration in {folder} is formatted and valid ({validate.Diagnostics.Count} warning(s)).";
            log.Information(passed);
            return new TerraformValidationResult(StageOutcome.Passed, passed, [], validate.Diagnostics);
        }
        catch (TerraformException ex)
        {
            return Fail($"Terraform validation could not run: {ex.Message}", [], [], []);
        }
    }

    private static TerraformSettings NewSettings(TerraformValidationSettings settings, string folder)
    {
        var tool = new TerraformSettings { WorkingDirectory = folder };
        if (settings.ToolPath is { } path)
        {
            tool.ToolPath = path;
        }

        tool.EnvironmentVariables = new Dictionary<string, string>();
        if (settings.PluginCacheFolder is { } cache)
        {
            Directory.CreateDirectory(cache);
            tool.EnvironmentVariables["TF_PLUGIN_CACHE_DIR"] = cache;
        }

        return tool;
    }

    /// <summary>Annotations need repository-relative paths; the folder's path relative to the working directory is prepended.</summary>
    private static string? Annotated(TerraformValidationSettings settings, string? file) =>
        file is null ? null : Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(Path.GetFullPath(settings.ConfigurationFolder), file)).Replace('\\', '/');

    private static string Relative(string folder, string file) => Path.GetRelativePath(folder, Path.Combine(folder, file)).Replace('\\', '/');

    private TerraformValidationResult Fail(string message, IReadOnlyList<string> files, IReadOnlyList<TerraformDiagnostic> diagnostics, IReadOnlyList<string> annotations)
    {
        log.Error(message);
        return new TerraformValidationResult(StageOutcome.Failed, message, files, diagnostics) { Annotations = annotations };
    }
}

/// <summary>Formats GitHub Actions workflow commands for annotations, escaped as the runner expects.</summary>
public static class GitHubAnnotation
{
    public static string Error(string message, string? file = null, int? line = null, int? column = null, string? title = null) =>
        Format("error", message, file, line, column, title);

    public static string Warning(string message, string? file = null, int? line = null, int? column = null, string? title = null) =>
        Format("warning", message, file, line, column, title);

    private static string Format(string level, string message, string? file, int? line, int? column, string? title)
    {
        var properties = new List<string>();
        if (file is not null)
        {
            properties.Add($"file={EscapeProperty(file)}");
        }

        if (line is not null)
        {
            properties.Add($"line={line}");
        }

        if (column is not null)
        {
            properties.Add($"col={column}");
        }

        if (title is not null)
        {
            properties.Add($"title={EscapeProperty(title)}");
        }

        var head = properties.Count == 0 ? $"::{level}" : $"::{level} {string.Join(',', properties)}";
        return $"{head}::{EscapeData(message)}";
    }

    private static string EscapeData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string EscapeProperty(string value) =>
        EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
