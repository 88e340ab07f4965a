using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Storytailor.Checks.Packaging;
using Storytailor.Load;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Storytailor.Build.Description;

/// <summary>A mistake in the description file, at a line and column (1-based).</summary>
public sealed record DescriptionProblem(string File, int Line, int Column, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}");
}

/// <summary>The description file could not be used; every problem is listed.</summary>
public sealed class AppDescriptionException(IReadOnlyList<DescriptionProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<DescriptionProblem> Problems { get; } = problems;
}

/// <summary>
/// Reads <see cref="FileName"/> at the app root: YAML, checked against the published JSON schema
/// (<c>storytailor.schema.json</c>), then against the app itself (the workspaces and paths it names exist).
/// Every problem is collected with its line, so one run lists them all.
/// </summary>
public static class AppDescriptionFile
{
    public const string FileName = "storytailor.yml";

    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> Schema = new(() =>
    {
        using var stream = typeof(AppDescriptionFile).Assembly.GetManifestResourceStream("Storytailor.Build.Description.storytailor.schema.json")
            ?? throw new InvalidOperationException("The description schema is not embedded in the build program.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (JsonSchema.FromText(text), JsonNode.Parse(text)!);
    });

    /// <summary>The published schema's text.</summary>
    public static string SchemaText => Schema.Value.Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The app's description (defaults when it has no file). Throws <see cref="AppDescriptionException"/> listing every problem.</summary>
    public static AppDescription Load(string appRoot)
    {
        ArgumentNullException.ThrowIfNull(appRoot);
        var path = Path.Combine(appRoot, FileName);
        var problems = new List<DescriptionProblem>();
        var document = File.Exists(path) ? Parse(path, problems) : new Document(new JsonObject(), new Dictionary<string, Mark>(StringComparer.Ordinal), new Dictionary<string, Mark>(StringComparer.Ordinal));
        if (problems.Count == 0)
        {
            Validate(path, document, problems);
        }

        // The app's own checks (workspaces and paths exist) run too, so that one run lists every problem.
        AppDescription? description = null;
        try
        {
            description = Build(appRoot, path, document, problems);
        }
        catch (InvalidOperationException) when (problems.Count > 0)
        {
            // A value of the wrong type, already reported by the schema.
        }

        return problems.Count > 0 || description is null
            ? throw new AppDescriptionException([.. problems.OrderBy(p => p.Line).ThenBy(p => p.Column)])
            : description with { SourceFile = File.Exists(path) ? path : null };
    }

    private sealed record Document(JsonNode Root, Dictionary<string, Mark> Values, Dictionary<string, Mark> Keys)
    {
        public (int Line, int Column) At(string pointer, bool key = false)
        {
            for (var p = pointer; ; p = p[..Math.Max(0, p.LastIndexOf('/'))])
            {
                if ((key && Keys.TryGetValue(p, out var mark)) || Values.TryGetValue(p, out mark))
                {
                    return ((int)mark.Line, (int)mark.Column);
                }

                if (p.Length == 0)
                {
                    return (1, 1);
                }
            }
        }
    }

    private static Document Parse(string path, List<DescriptionProblem> problems)
    {
        var values = new Dictionary<string, Mark>(StringComparer.Ordinal);
        var keys = new Dictionary<string, Mark>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                return new Document(new JsonObject(), values, keys);
            }

            return new Document(ToJson(stream.Documents[0].RootNode, string.Empty, values, keys) ?? new JsonObject(), values, keys);
        }
        catch (YamlException ex)
        {
            problems.Add(new DescriptionProblem(path, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {ex.Message}"));
            return new Document(new JsonObject(), values, keys);
        }
    }

    /// <summary>YAML → JSON (YAML 1.2 core types for plain scalars), remembering where each value and key stands.</summary>
    private static JsonNode? ToJson(YamlNode node, string pointer, Dictionary<string, Mark> values, Dictionary<string, Mark> keys)
    {
        values[pointer] = node.Start;
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? keyNode.ToString();
                    var child = pointer + "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
                    keys[child] = keyNode.Start;
                    obj[key] = ToJson(valueNode, child, values, keys);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var i = 0;
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item, pointer + "/" + (i++).ToString(CultureInfo.InvariantCulture), values, keys));
                }

                return array;
            case YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain:
                var text = scalar.Value ?? string.Empty;
                return text switch
                {
                    "" or "~" or "null" or "Null" or "NULL" => null,
                    "true" or "True" or "TRUE" => JsonValue.Create(true),
                    "false" or "False" or "FALSE" => JsonValue.Create(false),
                    _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)),
                    _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create(text),
                };
            case YamlScalarNode scalar:
                return JsonValue.Create(scalar.Value ?? string.Empty);
            default:
                return JsonValue.Create(node.ToString());
        }
    }

    private static void Validate(string path, Document document, List<DescriptionProblem> problems)
    {
        var (schema, schemaDocument) = Schema.Value;
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(document.Root), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return;
        }

        // Errors inside a branch that did not decide (a oneOf alternative when another matched) do not count.
        var details = (result.Details ?? []).ToList();
        var valid = details.Where(d => d.IsValid).Select(d => d.EvaluationPath.ToString()).Where(p => p.Length > 0).ToList();
        var errors = details
            .Where(d => d.Errors is { Count: > 0 })
            .Where(d => !valid.Any(v => d.EvaluationPath.ToString() == v || d.EvaluationPath.ToString().StartsWith(v + "/", StringComparison.Ordinal)))
            .SelectMany(d => d.Errors!.Select(e => (Instance: d.InstanceLocation.ToString(), Path: d.EvaluationPath.ToString(), Message: e.Value)))
            .ToList();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in errors)
        {
            string message;
            var isKey = false;
            if (System.Text.RegularExpressions.Regex.IsMatch(error.Path, @"/oneOf/\d+(/[^/]+)?$"))
            {
                // A choice (an object or false, say): say once what is expected, unless a deeper error says more.
                if (errors.Any(e => e.Instance.StartsWith(error.Instance + "/", StringComparison.Ordinal)))
                {
                    continue;
                }

                message = $"{Display(error.Instance)}: not valid here ({SchemaAt(schemaDocument, error.Instance)?["description"]?.GetValue<string>() ?? "see the schema"})";
            }
            else if (error.Path.EndsWith("/additionalProperties", StringComparison.Ordinal))
            {
                var key = Unescape(error.Instance[(error.Instance.LastIndexOf('/') + 1)..]);
                var known = SchemaAt(schemaDocument, error.Instance[..error.Instance.LastIndexOf('/')])?["properties"] is JsonObject properties ? properties.Select(p => p.Key).ToList() : [];
                message = $"{Display(error.Instance)}: unknown key '{key}'. {NameSuggestion.DidYouMean(key, known)}Valid keys here: {string.Join(", ", known)}.";
                isKey = true;
            }
            else
            {
                message = $"{Display(error.Instance)}: {error.Message}";
            }

            if (reported.Add(message))
            {
                var (line, column) = document.At(error.Instance, isKey);
                problems.Add(new DescriptionProblem(path, line, column, message));
            }
        }

        problems.Sort((a, b) => (a.Line, a.Column).CompareTo((b.Line, b.Column)));
    }

    /// <summary>The schema of the value at an instance pointer (through properties, items, $ref and the object branch of a oneOf).</summary>
    private static JsonObject? SchemaAt(JsonNode root, string pointer)
    {
        JsonObject? Resolve(JsonNode? node)
        {
            for (var depth = 0; depth < 8 && node is JsonObject obj; depth++)
            {
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith("#/", StringComparison.Ordinal))
                {
                    node = reference.GetValue<string>()[2..].Split('/').Aggregate((JsonNode?)root, (n, segment) => n?[Unescape(segment)]);
                    continue;
                }

                return obj;
            }

            return null;
        }

        var current = Resolve(root);
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Unescape))
        {
            var container = current?["oneOf"] is JsonArray choices
                ? choices.Select(Resolve).FirstOrDefault(c => c?["properties"] is not null || c?["items"] is not null || c?["additionalProperties"] is JsonObject) ?? current
                : current;
            current = Resolve(container?["properties"]?[segment] ?? container?["items"] ?? (container?["additionalProperties"] as JsonObject));
        }

        return current;
    }

    private static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>"/services/0/workspace" → "services[0].workspace".</summary>
    private static string Display(string pointer)
    {
        if (pointer.Length == 0)
        {
            return "(top level)";
        }

        var text = new System.Text.StringBuilder();
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Unescape))
        {
            if (int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text.Append('[').Append(segment).Append(']');
            }
            else
            {
                text.Append(text.Length == 0 ? string.Empty : ".").Append(segment);
            }
        }

        return text.ToString();
    }

    private static AppDescription Build(string appRoot, string path, Document document, List<DescriptionProblem> problems)
    {
        var root = document.Root.AsObject();
        void Problem(string pointer, string message)
        {
            var (line, column) = document.At(pointer);
            problems.Add(new DescriptionProblem(path, line, column, $"{Display(pointer)}: {message}"));
        }

        string Text(JsonNode? node, string fallback) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : fallback;

        string DeclaredPath(string pointer, JsonNode? node, string fallback, bool file)
        {
            if (node is null)
            {
                return fallback;
            }

            var relative = Text(node, fallback).Replace('\\', '/');
            var full = AppDescription.Under(appRoot, relative);
            if (!full.StartsWith(Path.GetFullPath(appRoot), StringComparison.Ordinal))
            {
                Problem(pointer, $"'{relative}' is outside the app root");
            }
            else if (file ? !File.Exists(full) : !Directory.Exists(full))
            {
                Problem(pointer, $"{(file ? "file" : "folder")} '{relative}' does not exist in {appRoot}");
            }

            return relative;
        }

        var pathsNode = root["paths"] as JsonObject;
        var paths = new AppPaths(
            DeclaredPath("/paths/terraform", pathsNode?["terraform"], AppPaths.Default.Terraform, file: false),
            DeclaredPath("/paths/supabase", pathsNode?["supabase"], AppPaths.Default.Supabase, file: false).TrimEnd('/'),
            DeclaredPath("/paths/data_inventory", pathsNode?["data_inventory"], AppPaths.Default.DataInventory, file: true),
            DeclaredPath("/paths/load_scenarios", pathsNode?["load_scenarios"], AppPaths.Default.LoadScenarios, file: true));

        var scriptsNode = root["scripts"] as JsonObject;
        var defaults = NpmScriptNames.Default;
        var scripts = new NpmScriptNames(
            Text(scriptsNode?["lint"], defaults.Lint),
            Text(scriptsNode?["typecheck"], defaults.Typecheck),
            Text(scriptsNode?["format_check"], defaults.FormatCheck),
            Text(scriptsNode?["test"], defaults.Test),
            Text(scriptsNode?["build"], defaults.Build),
            Text(scriptsNode?["integration_test"], defaults.IntegrationTest));

        var reports = root["coverage"]?["reports"] is JsonArray reportNodes
            ? reportNodes.Select(r => r is JsonObject o
                ? new CoverageReport(Text(o["path"], string.Empty), o["threshold"]?.GetValue<double>())
                : new CoverageReport(Text(r, string.Empty), null)).ToList()
            : new AppDescription().CoverageReports;

        var terraformNode = root["terraform"];
        var contract = new TerraformContract(
            Text(terraformNode?["variables"]?["version"], TerraformContract.Default.VersionVariable),
            Text(terraformNode?["variables"]?["artifacts"], TerraformContract.Default.ArtifactsVariable),
            Text(terraformNode?["outputs"]?["endpoint"], TerraformContract.Default.EndpointOutput),
            Text(terraformNode?["outputs"]?["functions"], TerraformContract.Default.FunctionsOutput))
        {
            ApiIdOutput = Text(terraformNode?["outputs"]?["api_id"], TerraformContract.Default.ApiIdOutput),
            ApiNameOutput = Text(terraformNode?["outputs"]?["api_name"], TerraformContract.Default.ApiNameOutput),
            ApiStageOutput = Text(terraformNode?["outputs"]?["api_stage"], TerraformContract.Default.ApiStageOutput),
        };

        var erasure = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (root["erasure"]?["rows"] is JsonObject rows)
        {
            foreach (var (table, columns) in rows)
            {
                var name = table.Contains('.', StringComparison.Ordinal) ? table : "public." + table;
                erasure[name] = (columns as JsonObject ?? []).ToDictionary(c => c.Key, c => c.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : c.Value!.ToJsonString(), StringComparer.Ordinal);
            }
        }

        return new AppDescription
        {
            Services = Services(appRoot, root["services"] as JsonArray, Problem),
            Paths = paths,
            Scripts = scripts,
            CoverageReports = reports,
            Terraform = contract,
            Checks = Checks(root["checks"] as JsonObject),
            Urls = new EnvironmentUrls(Url(root["deploy"]?["urls"]?["staging"]), Url(root["deploy"]?["urls"]?["production"])),
            ErasureRows = erasure,
        };
    }

    private static Uri? Url(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;

    private static List<AppService> Services(string appRoot, JsonArray? declared, Action<string, string> problem)
    {
        IReadOnlyList<AppWorkspace> workspaces;
        try
        {
            workspaces = File.Exists(Path.Combine(appRoot, "package.json")) ? LambdaPackager.FindWorkspaces(appRoot) : [];
        }
        catch (PackagingException ex)
        {
            problem(declared is null ? string.Empty : "/services", ex.Message);
            return [];
        }

        string Relative(AppWorkspace w) => Path.GetRelativePath(appRoot, w.Folder).Replace('\\', '/');

        if (declared is null)
        {
            // A library is what another workspace imports; what nobody imports and has a "main" is a service.
            var imported = workspaces.SelectMany(w => w.Dependencies).ToHashSet(StringComparer.Ordinal);
            return [.. workspaces.Where(w => w.Main is not null && !imported.Contains(w.Name)).Select(w => new AppService(w.Name, Relative(w), ShortName(w.Name), DefaultStart(w, Relative(w))))];
        }

        var services = new List<AppService>();
        for (var i = 0; i < declared.Count; i++)
        {
            var at = $"/services/{i.ToString(CultureInfo.InvariantCulture)}";
            if (declared[i] is not JsonObject node || node["workspace"] is not JsonValue declaredWorkspace || !declaredWorkspace.TryGetValue<string>(out var workspaceText))
            {
                continue; // reported by the schema
            }

            var wanted = workspaceText.Replace('\\', '/').TrimEnd('/');
            var workspace = workspaces.FirstOrDefault(w => w.Name == wanted || Relative(w) == wanted);
            if (workspace is null)
            {
                problem(at + "/workspace", $"no workspace '{wanted}' in {appRoot}/package.json. {NameSuggestion.DidYouMean(wanted, workspaces.Select(Relative))}Workspaces: {(workspaces.Count == 0 ? "(none)" : string.Join(", ", workspaces.Select(Relative).Order(StringComparer.Ordinal)))}.");
                continue;
            }

            var folder = Relative(workspace);
            var name = node["name"]?.GetValue<string>() ?? ShortName(workspace.Name);
            if (services.Any(s => s.Name == name))
            {
                problem(at + "/name", $"the service name '{name}' is used twice; give one of them another name");
            }

            var health = node["health"]?.GetValue<string>() ?? "/health";
            var port = node["port"]?.GetValue<long>() is { } p ? (int)p : 0;
            IReadOnlyList<string>? command = node["start"] switch
            {
                JsonArray array => [.. array.Select(a => a!.GetValue<string>())],
                JsonValue value when value.TryGetValue<string>(out var line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                JsonValue => null,
                _ => node["entry"] is JsonValue entry ? ["node", entry.GetValue<string>()] : DefaultStart(workspace, folder)?.Command,
            };
            if (node["start"] is not null && node["entry"] is not null)
            {
                problem(at + "/entry", "give either start or entry, not both");
            }

            var routes = node["routes"] is JsonArray routeNodes ? routeNodes.Select(r => r!.GetValue<string>()).ToList() : [];
            services.Add(new AppService(workspace.Name, folder, name, command is null ? null : new LocalServiceStart(name, command, port, health) { Routes = routes }));
        }

        return services;
    }

    private static LocalServiceStart? DefaultStart(AppWorkspace workspace, string folder) =>
        workspace.HasStartScript ? new LocalServiceStart(ShortName(workspace.Name), ["npm", "start", "--silent", "--workspace=" + folder]) : null;

    /// <summary>"@acme/catalog" → "catalog".</summary>
    public static string ShortName(string packageName)
    {
        ArgumentNullException.ThrowIfNull(packageName);
        return packageName[(packageName.LastIndexOf('/') + 1)..];
    }

    private static ServiceChecks Checks(JsonObject? node)
    {
        var defaults = ServiceChecks.Default;
        if (node is null)
        {
            return defaults;
        }

        var health = node["health"] is JsonArray h ? h.Select(p => p!.GetValue<string>()).ToList() : defaults.HealthPaths;
        var first = health.FirstOrDefault() ?? "/health";
        var cors = node["cors"] switch
        {
            null => defaults.Cors! with { Path = first },
            JsonObject c => new CorsCheck(c["path"]?.GetValue<string>() ?? first, c["allowed_origin"]?.GetValue<string>(), c["refused_origin"]?.GetValue<string>() ?? defaults.Cors!.RefusedOrigin),
            _ => null,
        };
        var rateDefaults = defaults.RateLimit!;
        var rate = node["rate_limit"] switch
        {
            null => rateDefaults with { Path = first },
            JsonObject r => new RateLimitCheck(
                r["path"]?.GetValue<string>() ?? first,
                r["burst"] is { } burst ? (int)burst.GetValue<long>() : rateDefaults.Burst,
                r["expect_status"] is { } status ? (int)status.GetValue<long>() : rateDefaults.ExpectedStatus,
                r["retry_after"]?.GetValue<bool>() ?? rateDefaults.RequireRetryAfter),
            _ => null,
        };
        var routes = node["protected_routes"] is JsonArray p
            ? p.Select(r => new ProtectedRoute(r?["method"]?.GetValue<string>() ?? "GET", r?["path"]?.GetValue<string>() ?? "/", r?["body"]?.GetValue<string>())).ToList()
            : defaults.ProtectedRoutes;
        return new ServiceChecks
        {
            HealthPaths = health,
            AuthHeader = node["auth_header"]?.GetValue<string>() ?? defaults.AuthHeader,
            ProtectedRoutes = routes,
            Cors = cors,
            RateLimit = rate,
            ReadPath = node["read_route"]?.GetValue<string>(),
        };
    }
}
