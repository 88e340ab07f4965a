using System.Globalization;
using System.Text.Json.Nodes;
using Storytailor.Checks.Packaging;
using Storytailor.Load;

namespace Storytailor.Build.Description;

/// <summary>The app's description from its (schema-checked) document, checked against the app itself: the workspaces and paths it names exist.</summary>
internal static class AppDescriptionReader
{
    public static AppDescription Read(string appRoot, string path, DescriptionDocument document, List<DescriptionProblem> problems)
    {
        var root = document.Root.AsObject();
        void Problem(string pointer, string message)
        {
            var (line, column) = document.At(pointer);
            problems.Add(new DescriptionProblem(path, line, column, $"{DescriptionPointer.Display(pointer)}: {message}"));
        }

        return new AppDescription
        {
            Services = Services(appRoot, root["services"] as JsonArray, Problem),
            Paths = Paths(appRoot, root["paths"] as JsonObject, Problem),
            Scripts = Scripts(root["scripts"] as JsonObject),
            CoverageReports = CoverageReports(root["coverage"]?["reports"] as JsonArray),
            Terraform = Contract(root["terraform"]),
            Checks = Checks(root["checks"] as JsonObject),
            Urls = new EnvironmentUrls(Url(root["deploy"]?["urls"]?["staging"]), Url(root["deploy"]?["urls"]?["production"])),
            ErasureRows = ErasureRows(root["erasure"]?["rows"] as JsonObject),
        };
    }

    private static string Text(JsonNode? node, string fallback) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : fallback;

    private static AppPaths Paths(string appRoot, JsonObject? node, Action<string, string> problem)
    {
        string DeclaredPath(string key, string fallback, bool file)
        {
            var pointer = "/paths/" + key;
            if (node?[key] is not { } declared)
            {
                return fallback;
            }

            var relative = Text(declared, fallback).Replace('\\', '/');
            var full = AppDescription.Under(appRoot, relative);
            if (!full.StartsWith(Path.GetFullPath(appRoot), StringComparison.Ordinal))
            {
                problem(pointer, $"'{relative}' is outside the app root");
            }
            else if (file ? !File.Exists(full) : !Directory.Exists(full))
            {
                problem(pointer, $"{(file ? "file" : "folder")} '{relative}' does not exist in {appRoot}");
            }

            return relative;
        }

        return new AppPaths(
            DeclaredPath("terraform", AppPaths.Default.Terraform, file: false),
            DeclaredPath("supabase", AppPaths.Default.Supabase, file: false).TrimEnd('/'),
            DeclaredPath("data_inventory", AppPaths.Default.DataInventory, file: true),
            DeclaredPath("load_scenarios", AppPaths.Default.LoadScenarios, file: true));
    }

    private static NpmScriptNames Scripts(JsonObject? node)
    {
        var defaults = NpmScriptNames.Default;
        return new NpmScriptNames(
            Text(node?["lint"], defaults.Lint),
            Text(node?["typecheck"], defaults.Typecheck),
            Text(node?["format_check"], defaults.FormatCheck),
            Text(node?["test"], defaults.Test),
            Text(node?["build"], defaults.Build),
            Text(node?["integration_test"], defaults.IntegrationTest));
    }

    private static IReadOnlyList<CoverageReport> CoverageReports(JsonArray? nodes) =>
        nodes is null
            ? new AppDescription().CoverageReports
            : nodes.Select(r => r is JsonObject o
                ? new CoverageReport(Text(o["path"], string.Empty), o["threshold"]?.GetValue<double>())
                : new CoverageReport(Text(r, string.Empty), null)).ToList();

    private static TerraformContract Contract(JsonNode? node) => new(
        Text(node?["variables"]?["version"], TerraformContract.Default.VersionVariable),
        Text(node?["variables"]?["artifacts"], TerraformContract.Default.ArtifactsVariable),
        Text(node?["outputs"]?["endpoint"], TerraformContract.Default.EndpointOutput),
        Text(node?["outputs"]?["functions"], TerraformContract.Default.FunctionsOutput))
    {
        ApiIdOutput = Text(node?["outputs"]?["api_id"], TerraformContract.Default.ApiIdOutput),
        ApiNameOutput = Text(node?["outputs"]?["api_name"], TerraformContract.Default.ApiNameOutput),
        ApiStageOutput = Text(node?["outputs"]?["api_stage"], TerraformContract.Default.ApiStageOutput),
    };

    private static Uri? Url(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;

    private static Dictionary<string, IReadOnlyDictionary<string, string>> ErasureRows(JsonObject? rows)
    {
        var erasure = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (table, columns) in rows ?? [])
        {
            var name = table.Contains('.', StringComparison.Ordinal) ? table : "public." + table;
            erasure[name] = (columns as JsonObject ?? []).ToDictionary(c => c.Key, c => c.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : c.Value!.ToJsonString(), StringComparer.Ordinal);
        }

        return erasure;
    }

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
            return [.. workspaces.Where(w => w.Main is not null && !imported.Contains(w.Name)).Select(w => new AppService(w.Name, Relative(w), AppDescriptionFile.ShortName(w.Name), DefaultStart(w, Relative(w))))];
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
            var name = node["name"]?.GetValue<string>() ?? AppDescriptionFile.ShortName(workspace.Name);
            if (services.Any(s => s.Name == name))
            {
                problem(at + "/name", $"the service name '{name}' is used twice; give one of them another name");
            }

            if (node["start"] is not null && node["entry"] is not null)
            {
                problem(at + "/entry", "give either start or entry, not both");
            }

            services.Add(new AppService(workspace.Name, folder, name, LocalStart(node, name, workspace, folder)));
        }

        return services;
    }

    /// <summary>How a declared service starts locally (start, else entry, else its npm start script), or null when it cannot.</summary>
    private static LocalServiceStart? LocalStart(JsonObject node, string name, AppWorkspace workspace, string folder)
    {
        var health = node["health"]?.GetValue<string>() ?? "/health";
        var port = node["port"]?.GetValue<long>() is { } p ? (int)p : 0;
        IReadOnlyList<string>? command = node["start"] switch
        {
            JsonArray array => [.. array.Select(a => a!.GetValue<string>())],
            JsonValue value when value.TryGetValue<string>(out var line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            JsonValue => null,
            _ => node["entry"] is JsonValue entry ? ["node", entry.GetValue<string>()] : DefaultStart(workspace, folder)?.Command,
        };
        var routes = node["routes"] is JsonArray routeNodes ? routeNodes.Select(r => r!.GetValue<string>()).ToList() : [];
        return command is null ? null : new LocalServiceStart(name, command, port, health) { Routes = routes };
    }

    private static LocalServiceStart? DefaultStart(AppWorkspace workspace, string folder) =>
        workspace.HasStartScript ? new LocalServiceStart(AppDescriptionFile.ShortName(workspace.Name), ["npm", "start", "--silent", "--workspace=" + folder]) : null;

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
