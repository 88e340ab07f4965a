namespace Storytailor.Build.Description;

/// <summary>
/// Reads <see cref="FileName"/> at the app root: YAML, checked against the published JSON schema
/// (<c>storytailor.schema.json</c>), then against the app itself (the workspaces and paths it names exist).
/// Every problem is collected with its line, so one run lists them all.
/// </summary>
public static class AppDescriptionFile
{
    public const string FileName = "storytailor.yml";

    /// <summary>The published schema's text.</summary>
    public static string SchemaText => DescriptionSchema.Text;

    /// <summary>The app's description (defaults when it has no file). Throws <see cref="AppDescriptionException"/> listing every problem.</summary>
    public static AppDescription Load(string appRoot)
    {
        ArgumentNullException.ThrowIfNull(appRoot);
        var path = Path.Combine(appRoot, FileName);
        var problems = new List<DescriptionProblem>();
        var document = File.Exists(path) ? DescriptionDocument.Parse(path, problems) : DescriptionDocument.Empty();
        if (problems.Count == 0)
        {
            DescriptionSchema.Validate(path, document, problems);
        }

        // The app's own checks (workspaces and paths exist) run too, so that one run lists every problem.
        AppDescription? description = null;
        try
        {
            description = AppDescriptionReader.Read(appRoot, path, document, problems);
        }
        catch (InvalidOperationException) when (problems.Count > 0)
        {
            // A value of the wrong type, already reported by the schema.
        }

        return problems.Count > 0 || description is null
            ? throw new AppDescriptionException([.. problems.OrderBy(p => p.Line).ThenBy(p => p.Column)])
            : description with { SourceFile = File.Exists(path) ? path : null };
    }

    /// <summary>"@acme/catalog" → "catalog".</summary>
    public static string ShortName(string packageName)
    {
        ArgumentNullException.ThrowIfNull(packageName);
        return packageName[(packageName.LastIndexOf('/') + 1)..];
    }
}
