using System.Text.Json;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;
using Storytailor.Checks.Terraform;
using Path = System.IO.Path;

namespace Storytailor.Checks.Tests;

/// <summary>The wrapper with the real terraform binary on offline configurations (only terraform_data, no providers).</summary>
[TestFixture]
public sealed class TerraformTests
{
    private const string ValidConfiguration = """
        variable "greeting" {
          type    = string
          default = "hello"
        }

        resource "terraform_data" "marker" {
          input = var.greeting
        }

        output "greeting" {
          value = terraform_data.marker.output
        }

        output "token" {
          value     = "tf-sensitive-${var.greeting}-value"
          sensitive = true
        }
        """;

    private TempFolder _folder = null!;
    private ServiceKit _kit = null!;
    private TerraformTool _terraform = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TempFolder();
        _kit = new ServiceKit();
        var fileSystem = new FileSystem();
        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        var configuration = new CakeConfiguration(new Dictionary<string, string>());
        var log = new NullLog();
        var tools = new ToolLocator(environment, new ToolRepository(environment),
            new ToolResolutionStrategy(fileSystem, environment, new Globber(fileSystem, environment), configuration, log));
        _terraform = new TerraformTool(fileSystem, environment, new ProcessRunner(fileSystem, environment, log, tools, configuration), tools, _kit.Log, _kit.Redactor);
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    private TerraformValidationResult Validate() =>
        new TerraformValidation(_terraform, _kit.Log).Validate(new TerraformValidationSettings(Path.Combine(_folder.Path, "infra")));

    private TerraformSettings Settings(string folder) => new() { WorkingDirectory = folder };

    [Test]
    public void Valid_configuration_passes_fmt_init_and_validate()
    {
        _folder.Write("infra/main.tf", ValidConfiguration);
        _folder.Write("infra/modules/store/main.tf", "resource \"terraform_data\" \"store\" {}\n");

        var result = Validate();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Passed), result.Message);
        Assert.That(result.Annotations, Is.Empty);
    }

    [Test]
    public void Unformatted_file_fails_naming_it()
    {
        _folder.Write("infra/main.tf", ValidConfiguration);
        _folder.Write("infra/modules/store/main.tf", "resource \"terraform_data\" \"store\" {\ninput=\"x\"\n}\n");

        var result = Validate();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("Terraform files are not formatted").And.Contain("modules/store/main.tf"));
        Assert.That(result.UnformattedFiles, Is.EqualTo(new[] { "modules/store/main.tf" }));
        Assert.That(result.Annotations.Single(), Does.StartWith("::error file=").And.Contain("modules/store/main.tf::terraform fmt"));
    }

    [Test]
    public void Invalid_configuration_fails_with_file_and_line()
    {
        _folder.Write("infra/main.tf", """
            resource "terraform_data" "marker" {
              input = var.missing
            }
            """);

        var result = Validate();

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("terraform validate found errors").And.Contain("main.tf:2:").And.Contain("Reference to undeclared input variable"));
        Assert.That(result.Diagnostics.Single().Line, Is.EqualTo(2));
        Assert.That(result.Annotations.Single(), Does.Match(@"^::error file=[^,]*main\.tf,line=2,col=\d+::Reference to undeclared input variable"));
    }

    [Test]
    public void Missing_terraform_binary_is_could_not_run()
    {
        _folder.Write("infra/main.tf", ValidConfiguration);

        var result = new TerraformValidation(_terraform, _kit.Log).Validate(
            new TerraformValidationSettings(Path.Combine(_folder.Path, "infra")) { ToolPath = Path.Combine(_folder.Path, "no-terraform") });

        Assert.That(result.Outcome, Is.EqualTo(StageOutcome.Failed));
        Assert.That(result.Message, Does.StartWith("Terraform validation could not run:"));
    }

    [Test]
    [Category("EndToEnd")]
    public void Workspace_plan_show_apply_output_and_destroy_cycle_with_a_local_backend()
    {
        var folder = Path.GetDirectoryName(_folder.Write("infra/main.tf", "terraform {\n  backend \"local\" {}\n}\n\n" + ValidConfiguration))!;
        var state = Path.Combine(_folder.Path, "state", "terraform.tfstate");
        var plan = Path.Combine(_folder.Path, "cycle.tfplan");

        var init = _terraform.Init(Settings(folder), new TerraformInitOptions { BackendConfig = new Dictionary<string, string> { ["path"] = state } });
        Assert.That(init.Succeeded, init.Tail());
        Assert.That(_terraform.ListWorkspaces(Settings(folder)), Is.EqualTo(new[] { "default" }));
        Assert.That(_terraform.SelectWorkspace(Settings(folder), "staging").Succeeded, Is.False, "select alone never creates");
        Assert.That(_terraform.ListWorkspaces(Settings(folder)), Is.EqualTo(new[] { "default" }));
        Assert.That(_terraform.SelectOrCreateWorkspace(Settings(folder), "staging").Succeeded);
        Assert.That(_terraform.SelectOrCreateWorkspace(Settings(folder), "staging").Succeeded, "selecting an existing workspace works too");
        Assert.That(_terraform.ListWorkspaces(Settings(folder)), Is.EqualTo(new[] { "default", "staging" }));
        Assert.That(_terraform.SelectWorkspace(Settings(folder), "staging").Succeeded);

        var settings = Settings(folder);
        settings.Variables["greeting"] = "bonjour";
        var planned = _terraform.Plan(settings, plan);
        Assert.That(planned.Run.ExitCode, Is.EqualTo(2), planned.Run.Tail());
        Assert.That(planned.Changes, Is.EqualTo(TerraformPlanChanges.Present));

        var summary = _terraform.ShowPlan(Settings(folder), plan, out _);
        Assert.That((summary.Add, summary.Change, summary.Destroy), Is.EqualTo((1, 0, 0)));
        Assert.That(summary.ResourceChanges, Is.EqualTo(new[] { "terraform_data.marker: create" }));

        Assert.That(_terraform.Apply(Settings(folder), plan).Succeeded);
        var outputs = _terraform.Output(Settings(folder));
        Assert.That(outputs["greeting"].GetString(), Is.EqualTo("bonjour"));
        Assert.That(_kit.Redactor.Redact("value tf-sensitive-bonjour-value"), Is.EqualTo("value ***"), "sensitive outputs are masked from then on");

        var again = _terraform.Plan(settings, plan);
        Assert.That(again.Run.ExitCode, Is.Zero, again.Run.Tail());
        Assert.That(again.Changes, Is.EqualTo(TerraformPlanChanges.None));

        var destroySettings = Settings(folder);
        destroySettings.Variables["greeting"] = "bonjour";
        Assert.That(_terraform.Destroy(destroySettings).Succeeded);
        var stateFile = Path.Combine(folder, "terraform.tfstate.d", "staging", "terraform.tfstate");
        using var json = JsonDocument.Parse(File.ReadAllText(stateFile));
        Assert.That(json.RootElement.GetProperty("resources").GetArrayLength(), Is.Zero);
    }
}
