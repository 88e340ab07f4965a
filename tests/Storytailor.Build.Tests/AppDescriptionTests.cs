using System.Diagnostics;
using Storytailor.Build.Description;
using Storytailor.Load;

namespace Storytailor.Build.Tests;

/// <summary>storytailor.yml: what it declares, its defaults, and every kind of mistake with file, line and exit code.</summary>
[TestFixture]
public sealed class AppDescriptionTests
{
    private TemporaryFolder _folder = null!;

    [SetUp]
    public void CreateApp()
    {
        _folder = new TemporaryFolder("description-");
        // Two services and a library both import, in folders other than packages/.
        WriteWorkspace("services/catalog", "@shop/catalog", main: true, start: true, dependencies: ["@shop/common"]);
        WriteWorkspace("services/orders", "@shop/orders", main: true, start: false, dependencies: ["@shop/common"]);
        WriteWorkspace("libs/common", "@shop/common", main: true, start: false, dependencies: []);
        File.WriteAllText(Path.Combine(_folder.Path, "package.json"), """{ "name": "shop", "private": true, "workspaces": ["services/*", "libs/common"] }""");
    }

    [TearDown]
    public void RemoveApp() => _folder.Dispose();

    private void WriteWorkspace(string folder, string name, bool main, bool start, string[] dependencies)
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, folder));
        var deps = string.Join(", ", dependencies.Select(d => $"\"{d}\": \"*\""));
        File.WriteAllText(Path.Combine(_folder.Path, folder, "package.json"),
            $$"""{ "name": "{{name}}", "version": "1.0.0"{{(main ? ", \"main\": \"dist/index.js\"" : string.Empty)}}{{(start ? ", \"scripts\": { \"start\": \"node dist/local.js\" }" : string.Empty)}}, "dependencies": { {{deps}} } }""");
    }

    private AppDescriptionException Problems(string yaml)
    {
        File.WriteAllText(Path.Combine(_folder.Path, AppDescriptionFile.FileName), yaml);
        return Assert.Throws<AppDescriptionException>(() => AppDescriptionFile.Load(_folder.Path))!;
    }

    private string FilePath => Path.Combine(_folder.Path, AppDescriptionFile.FileName);

    [Test]
    public void Without_a_file_every_default_applies_and_a_workspace_others_import_is_a_library()
    {
        var app = AppDescriptionFile.Load(_folder.Path);

        Assert.That(app.SourceFile, Is.Null);
        Assert.That(app.Services.Select(s => (s.Package, s.Folder, s.Name)), Is.EqualTo(new[] { ("@shop/catalog", "services/catalog", "catalog"), ("@shop/orders", "services/orders", "orders") }));
        Assert.That(app.Services[0].Local!.Command, Is.EqualTo(new[] { "npm", "start", "--silent", "--workspace=services/catalog" }), "a start script is the default local start");
        Assert.That(app.Services[1].Local, Is.Null, "no start script: not started by the baseline");
        Assert.That(app.Paths, Is.EqualTo(AppPaths.Default));
        Assert.That(app.Scripts, Is.EqualTo(NpmScriptNames.Default));
        Assert.That(app.Terraform, Is.EqualTo(TerraformContract.Default));
        Assert.That(app.CoverageReports.Single().Path, Is.EqualTo("coverage/coverage-summary.json"));
        Assert.That(app.Checks, Is.EqualTo(ServiceChecks.Default));
        Assert.That(app.Checks.ReadPath, Is.Null, "no read route is guessed for the monitoring probe");
        Assert.That(app.Urls, Is.EqualTo(EnvironmentUrls.None), "no public URL is assumed");
    }

    [Test]
    public void Every_declared_key_is_read()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "deploy/tf"));
        Directory.CreateDirectory(Path.Combine(_folder.Path, "db/supabase"));
        File.WriteAllText(Path.Combine(_folder.Path, "privacy.yml"), "tables: []\n");
        File.WriteAllText(Path.Combine(_folder.Path, "load.yml"), "requests: []\n");
        File.WriteAllText(FilePath, """
            services:
              - workspace: "@shop/catalog"
                name: catalog-api
                start: node services/catalog/dist/local.js --quiet
                port: 4100
                health: /catalog/health
                routes: [/catalog]
              - workspace: libs/common
                entry: libs/common/dist/local.js
            paths: { terraform: deploy/tf, supabase: db/supabase, data_inventory: privacy.yml, load_scenarios: load.yml }
            scripts: { lint: "lint:all", typecheck: types, format_check: "fmt:check", test: "test:cov", build: compile, integration_test: e2e }
            coverage:
              reports: [services/catalog/coverage/coverage-summary.json, { path: libs/common/coverage/coverage-summary.json, threshold: 95 }]
            terraform:
              variables: { version: release, artifacts: bundles }
              outputs: { endpoint: base_url, functions: lambdas, api_id: http_api, api_name: rest_api, api_stage: stage_name }
            checks:
              health: [/catalog/health]
              auth_header: authorization
              protected_routes: [{ method: POST, path: /orders, body: "{}" }]
              cors: false
              rate_limit: { burst: 200, expect_status: 429, retry_after: false }
              read_route: /catalog/books/monitoring-probe
            deploy:
              urls: { staging: "https://staging.shop.test", production: "https://shop.test/api" }
            erasure:
              rows:
                kids: { nickname: Sam, age: 14 }
            """);

        var app = AppDescriptionFile.Load(_folder.Path);

        Assert.That(app.SourceFile, Is.EqualTo(FilePath));
        Assert.That(app.Services.Select(s => s.Name), Is.EqualTo(new[] { "catalog-api", "common" }), "a declared list replaces the default; a library can be declared a service");
        Assert.That(app.Services[0].Local, Is.EqualTo(new LocalServiceStart("catalog-api", app.Services[0].Local!.Command, 4100, "/catalog/health") { Routes = app.Services[0].Local!.Routes }));
        Assert.That(app.Services[0].Local!.Command, Is.EqualTo(new[] { "node", "services/catalog/dist/local.js", "--quiet" }));
        Assert.That(app.Services[0].Local!.Routes, Is.EqualTo(new[] { "/catalog" }));
        Assert.That(app.Services[1].Local!.Command, Is.EqualTo(new[] { "node", "libs/common/dist/local.js" }));
        Assert.That(app.Paths, Is.EqualTo(new AppPaths("deploy/tf", "db/supabase", "privacy.yml", "load.yml")));
        Assert.That(app.Paths.SupabaseWorkdir, Is.EqualTo("db"));
        Assert.That(app.Scripts, Is.EqualTo(new NpmScriptNames("lint:all", "types", "fmt:check", "test:cov", "compile", "e2e")));
        Assert.That(app.CoverageReports, Is.EqualTo(new[] { new CoverageReport("services/catalog/coverage/coverage-summary.json", null), new CoverageReport("libs/common/coverage/coverage-summary.json", 95) }));
        Assert.That(app.Terraform, Is.EqualTo(new TerraformContract("release", "bundles", "base_url", "lambdas") { ApiIdOutput = "http_api", ApiNameOutput = "rest_api", ApiStageOutput = "stage_name" }));
        Assert.That(app.Checks.HealthPaths, Is.EqualTo(new[] { "/catalog/health" }));
        Assert.That(app.Checks.AuthHeader, Is.EqualTo("authorization"));
        Assert.That(app.Checks.ProtectedRoutes, Is.EqualTo(new[] { new ProtectedRoute("POST", "/orders", "{}") }));
        Assert.That(app.Checks.Cors, Is.Null);
        Assert.That(app.Checks.RateLimit, Is.EqualTo(new RateLimitCheck("/catalog/health", 200, 429, false)));
        Assert.That(app.Checks.ReadPath, Is.EqualTo("/catalog/books/monitoring-probe"));
        Assert.That(app.Urls, Is.EqualTo(new EnvironmentUrls(new Uri("https://staging.shop.test"), new Uri("https://shop.test/api"))));
        Assert.That(app.ErasureRows["public.kids"], Is.EqualTo(new Dictionary<string, string> { ["nickname"] = "Sam", ["age"] = "14" }));
    }

    [Test]
    public void The_example_app_declares_its_two_lambdas_the_router_entry_and_its_routes()
    {
        var app = AppDescriptionFile.Load(BuildProgram.ExampleApp);

        Assert.That(app.Services.Select(s => (s.Package, s.Name)), Is.EqualTo(new[] { ("@storytailor/universal-agent", "universal-agent"), ("@storytailor/router", "router") }));
        Assert.That(app.LocalServices.Single().Command, Is.EqualTo(new[] { "node", "packages/router/dist/server.js" }));
        Assert.That(app.Checks.HealthPaths, Is.EqualTo(new[] { "/health", "/v1/router/health", "/v1/agent/health" }));
        Assert.That(app.Checks.ProtectedRoutes, Is.EqualTo(new[] { new ProtectedRoute("POST", "/v1/stories", "{\"childId\":\"probe\",\"prompt\":\"probe\"}"), new ProtectedRoute("GET", "/v1/stories/x") }));
        Assert.That(app.Checks.Cors, Is.EqualTo(new CorsCheck("/v1/stories", "https://storytailor.com", "https://evil.example")));
        Assert.That(app.Checks.RateLimit, Is.EqualTo(new RateLimitCheck("/health", 60, 429, true)));
        Assert.That(app.Checks.AuthHeader, Is.EqualTo("x-api-key"));
        Assert.That(app.Checks.ReadPath, Is.EqualTo("/v1/stories/monitoring-probe"));
        Assert.That(app.Urls, Is.EqualTo(new EnvironmentUrls(new Uri("https://staging-api.storytailor.com"), new Uri("https://api.storytailor.com"))));
    }

    [Test]
    public void A_public_URL_that_is_not_an_http_URL_is_named_with_its_line()
    {
        var error = Problems("deploy:\n  urls:\n    staging: staging.shop.test\n");

        Assert.That(error.Problems.Single().ToString(), Does.StartWith($"{FilePath}:3:14: deploy.urls.staging: "));
    }

    [Test]
    public void A_read_route_that_is_not_a_path_is_named_with_its_line()
    {
        var error = Problems("checks:\n  read_route: books\n");

        Assert.That(error.Problems.Single().ToString(), Does.StartWith($"{FilePath}:2:15: checks.read_route: "));
    }

    [Test]
    public void An_unknown_key_is_named_with_its_line_and_the_nearest_valid_key()
    {
        var error = Problems("scripts:\n  lint: lint\n  typecheck: tsc\n  formatcheck: fmt\n");

        Assert.That(error.Problems.Single().ToString(), Is.EqualTo($"{FilePath}:4:3: scripts.formatcheck: unknown key 'formatcheck'. Did you mean 'format_check'? Valid keys here: lint, typecheck, format_check, test, build, integration_test."));
    }

    [Test]
    public void A_value_of_the_wrong_type_is_named_with_its_line()
    {
        var error = Problems("checks:\n  rate_limit:\n    burst: lots\n");

        Assert.That(error.Problems.Single().ToString(), Does.StartWith($"{FilePath}:3:12: checks.rate_limit.burst: ").And.Contain("integer"));
    }

    [Test]
    public void A_workspace_that_does_not_exist_is_named_with_the_workspaces_there_are()
    {
        var error = Problems("services:\n  - workspace: services/catalogue\n");

        Assert.That(error.Problems.Single().ToString(), Is.EqualTo($"{FilePath}:2:16: services[0].workspace: no workspace 'services/catalogue' in {_folder.Path}/package.json. Did you mean 'services/catalog'? Workspaces: libs/common, services/catalog, services/orders."));
    }

    [Test]
    public void A_path_that_does_not_exist_is_named_with_its_line()
    {
        var error = Problems("paths:\n  terraform: infra\n  load_scenarios: load/missing.yml\n");

        Assert.That(error.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            $"{FilePath}:2:14: paths.terraform: folder 'infra' does not exist in {_folder.Path}",
            $"{FilePath}:3:19: paths.load_scenarios: file 'load/missing.yml' does not exist in {_folder.Path}",
        }));
    }

    [Test]
    public void A_choice_that_matches_none_of_its_forms_says_what_is_expected()
    {
        var error = Problems("checks:\n  cors: yes\n");

        Assert.That(error.Problems.Single().ToString(), Does.StartWith($"{FilePath}:2:9: checks.cors: not valid here (CORS preflight checks, or false for none.)"));
    }

    [Test]
    public void Text_that_is_not_YAML_is_reported_with_its_position()
    {
        var error = Problems("services:\n  - workspace: [unclosed\n");

        Assert.That(error.Problems.Single().ToString(), Does.StartWith($"{FilePath}:").And.Contain("not valid YAML"));
    }

    [Test]
    public void Every_problem_of_one_file_is_listed_in_file_order()
    {
        var error = Problems("services:\n  - workspace: nowhere\n    port: high\nbuild: {}\n");

        Assert.That(error.Problems.Select(p => (p.Line, p.Column)), Is.EqualTo(new[] { (2, 16), (3, 11), (4, 1) }));
    }

    [Test]
    public void The_published_schema_is_the_one_the_build_validates_with()
    {
        var published = File.ReadAllText(Path.Combine(BuildProgram.RepositoryRoot, "build", "Storytailor.Build", "Description", "storytailor.schema.json"));

        Assert.That(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(published), System.Text.Json.Nodes.JsonNode.Parse(AppDescriptionFile.SchemaText)), Is.True);
    }

    [Test]
    public void A_mistake_stops_the_build_before_the_first_task_with_every_problem_and_exit_2()
    {
        File.WriteAllText(FilePath, "services:\n  - workspace: services/nope\nchecks:\n  helth: [/health]\n");

        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, null, "--target=Ci", $"--app-root={_folder.Path}");

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain($"{FilePath}:2:16: services[0].workspace: no workspace 'services/nope'"));
        Assert.That(run.Output, Does.Contain($"{FilePath}:4:3: checks.helth: unknown key 'helth'. Did you mean 'health'?"));
        Assert.That(run.Output, Does.Not.Contain("Duration"), "no task report: nothing ran");
        Assert.That(run.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void Help_documents_the_description_file()
    {
        var run = BuildProgram.Run(BuildProgram.RepositoryRoot, null, "--help");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("storytailor.yml").And.Contain("protected_routes").And.Contain("storytailor.schema.json"));
    }

    /// <summary>
    /// The build decides nothing by the example's names (its services, routes, probe route, public domain and function
    /// names): they appear in build/ only in comments, documentation and examples in messages. The example's public
    /// URLs and read route are declared in its own storytailor.yml.
    /// </summary>
    [Test]
    public void The_build_names_nothing_of_the_example_app_that_decides_behaviour()
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = BuildProgram.RepositoryRoot, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "grep", "-n", "-E", @"router|universal-agent|/v1/|monitoring-probe|childId|storytailor\.com|storytailor-(staging|production|prod)-", "--", "build/" })
        {
            info.ArgumentList.Add(argument);
        }

        using var git = Process.Start(info)!;
        var hits = git.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        git.WaitForExit();

        var deciding = hits.Where(hit =>
        {
            var parts = hit.Split(':', 3);
            var (file, text) = (parts[0], parts[2].Trim());
            return !(text.StartsWith("//", StringComparison.Ordinal) || text.StartsWith('*')
                || file.EndsWith(".md", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal)
                || text.Contains("e.g. ", StringComparison.Ordinal));
        }).ToList();

        Assert.That(hits, Is.Not.Empty, "git grep ran");
        Assert.That(deciding, Is.Empty);
    }
}
