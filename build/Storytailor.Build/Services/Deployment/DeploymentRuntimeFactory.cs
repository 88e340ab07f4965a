using Cake.Core;
using Cake.Frosting;
using Storytailor.Aws;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Tools;
using Storytailor.Checks.Terraform;
using Storytailor.Deploy;
using Storytailor.Load;

namespace Storytailor.Build.Services.Deployment;

/// <summary>A deployment runtime and what it owns (AWS clients, HTTP clients), disposed together.</summary>
public sealed class OwnedDeploymentRuntime(DeploymentRuntime runtime, IEnumerable<IDisposable> owned) : IDisposable
{
    public DeploymentRuntime Runtime { get; } = runtime;

    public void Dispose()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
    }
}

/// <summary>Builds the runtime of a blue/green target from the build context: settings, secrets, AWS, Terraform, tests.</summary>
public static class DeploymentRuntimeFactory
{
    public static OwnedDeploymentRuntime Create(BuildContext context, DeploymentEnvironment environment, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.Deploy.SettingsFor(environment);
        var variables = context.Variables.All;
        string Secret(string name) => variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new CakeException(ExitCodes.Usage, $"The secret {name} is not set; {settings.Name} deployments need it.");

        var bucket = Secret("LAMBDA_ARTIFACTS_BUCKET");
        var zone = settings.IsBlueGreen ? Secret(settings.HostedZoneIdSecret) : string.Empty;
        var apiKey = variables.GetValueOrDefault(settings.ApiKeySecret);
        context.Redactor.Register(apiKey);

        AwsSettings aws;
        try
        {
            aws = AwsSettings.FromEnvironment(variables);
        }
        catch (ArgumentException ex)
        {
            throw new CakeException(ExitCodes.Usage, ex.Message);
        }

        var owned = new List<IDisposable>();
        AwsClientFactory factory;
        try
        {
            factory = new AwsClientFactory(aws, context.BuildLog);
        }
        catch (InvalidOperationException ex)
        {
            throw new CakeException(ExitCodes.Usage, ex.Message);
        }

        owned.Add(factory);
        var stack = WorkspaceStackFor(context, factory, readOnly, Secret);
        var testSettings = TestSettingsFor(context, environment, apiKey);

        SlackNotifier? slack = null;
        if (variables.GetValueOrDefault("SLACK_WEBHOOK_URL") is { Length: > 0 } webhook && Uri.TryCreate(webhook, UriKind.Absolute, out var webhookUri))
        {
            var http = new HttpClient();
            owned.Add(http);
            slack = new SlackNotifier(http, new SlackSettings(webhookUri), context.BuildLog);
        }

        var runtime = new DeploymentRuntime(
            settings,
            zone,
            factory.ArtifactStore(bucket),
            factory.DnsRouter(),
            factory.FunctionRegistry(),
            factory.MetricsReader(),
            stack,
            new PrePromotionTests(context.BuildLog, context.Commands, context.Artifacts, context.Redactor),
            testSettings,
            context.PublicUrl(environment) ?? new Uri($"https://{settings.Domain}"),
            context.Artifacts,
            context.Redactor,
            context.BuildLog,
            TimeProvider.System)
        {
            Slack = slack,
            Logs = factory.LogsInsights(),
            Contract = context.App.Terraform,
            ServiceNames = context.App.Services.ToDictionary(s => s.Package, s => s.Name, StringComparer.Ordinal),
        };
        return new OwnedDeploymentRuntime(runtime, owned);
    }

    /// <summary>
    /// The artifacts bucket alone (LAMBDA_ARTIFACTS_BUCKET, AWS from the environment), for the stages that publish or
    /// look up artifact sets without a whole deployment runtime. Dispose the factory returned with it.
    /// </summary>
    public static (AwsClientFactory Factory, IArtifactStore Store, string Bucket) OpenArtifactStore(BuildContext context, string stage)
    {
        ArgumentNullException.ThrowIfNull(context);
        var variables = context.Variables.All;
        var bucket = variables.GetValueOrDefault("LAMBDA_ARTIFACTS_BUCKET") is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new CakeException(ExitCodes.Usage, $"The secret LAMBDA_ARTIFACTS_BUCKET is not set; {stage} needs the artifacts bucket.");
        try
        {
            var factory = new AwsClientFactory(AwsSettings.FromEnvironment(variables), context.BuildLog);
            return (factory, factory.ArtifactStore(bucket), bucket);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CakeException(ExitCodes.Usage, $"{stage}: {ex.Message}");
        }
    }

    /// <summary>The Terraform workspaces of the app's configuration, on the S3 state bucket or the configuration's own backend.</summary>
    private static TerraformWorkspaceStack WorkspaceStackFor(BuildContext context, AwsClientFactory factory, bool readOnly, Func<string, string> secret)
    {
        var backend = new StackBackend(
            context.Deploy.TerraformBackend,
            context.Deploy.TerraformBackend == "s3" ? secret("TERRAFORM_STATE_BUCKET") : null,
            context.Deploy.TerraformStateKey,
            factory.Region);
        var terraform = new TerraformTool(context.FileSystem, context.Environment, context.ProcessRunner, context.Tools, context.BuildLog, context.Redactor);
        var stack = new TerraformWorkspaceStack(
            terraform,
            context.AppPath(context.App.Paths.Terraform),
            context.Artifacts.PathOf(Path.Combine("deploy", "plans")),
            backend,
            context.Deploy.TerraformVarFile)
        {
            ReadOnly = readOnly || context.Deploy.DryRun,
            Contract = context.App.Terraform,
        };

        return stack;
    }

    /// <summary>The pre-promotion tests' settings: the environment's load profile and overrides, the API key, ZAP and k6 when present.</summary>
    private static PrePromotionSettings TestSettingsFor(BuildContext context, DeploymentEnvironment environment, string? apiKey)
    {
        var zap = TestTools.ZapAsync(context.Commands, context.Variables).GetAwaiter().GetResult();
        var overrides = context.Load.Overrides;
        return new PrePromotionSettings(context.AppRoot, context.Load.ProfileFor(environment))
        {
            LoadOverrides = context.Deploy.LoadWarmUp is { } warmUp ? overrides with { WarmUp = warmUp } : overrides,
            ExtraThresholds = context.Load.ExtraThresholds,
            ApiKey = string.IsNullOrWhiteSpace(apiKey) ? null : apiKey,
            SmokeResponseLimit = context.Load.SmokeResponseLimit,
            Zap = zap,
            RequireZap = context.Load.RequireZap,
            ZapWorkDirectory = Directory.CreateDirectory(context.Artifacts.PathOf("security")).FullName,
            K6Executable = TestTools.K6(context.Variables),
            ScenarioFile = context.App.Paths.LoadScenarios,
            Checks = context.App.Checks,
        };
    }

    /// <summary>Who and what started this run (GitHub's environment when present).</summary>
    public static DeploymentTrigger Trigger(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return DeploymentTrigger.FromEnvironment(context.Variables.All);
    }
}
