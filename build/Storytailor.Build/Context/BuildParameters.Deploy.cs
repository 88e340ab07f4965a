using static Storytailor.Build.Context.ParameterParsers;

namespace Storytailor.Build.Context;

/// <summary>Parameters of DeployProduction, DeployStaging and Rollback (environment settings live in cake.config [Deploy.&lt;Env&gt;]).</summary>
public static partial class BuildParameters
{
    public static readonly Parameter<string> ForceUnlock = new(
        "force-unlock", "On-call: remove the environment's deployment lock with this lock id (recorded with who did it), then deploy", string.Empty, Text, "lock id", "(none)");

    public static readonly Parameter<bool> Supersede = new(
        "supersede", "DeployProduction: close an unfinished deployment of another version that never went live (the record still on the old colour), then deploy this one", false, Flag, "bool");

    public static readonly Parameter<string> ToVersion = new(
        "to-version", "Rollback: the version to restore when the previous colour was cleaned up (default: the previous successful one in the ledger)", string.Empty, Text, "vX.Y.Z", "(ledger)");

    public static readonly Parameter<string> MonitoringWindow = new(
        "monitoring-window", "Deploy: how long the new colour is watched after the switch, e.g. 15m, 30s (replaces cake.config MonitoringWindow)", string.Empty, DurationText, "duration", "(cake.config, 15m)");

    public static readonly Parameter<string> PollInterval = new(
        "poll-interval", "Deploy: time between two monitoring samples, e.g. 1m, 1s (replaces cake.config PollInterval)", string.Empty, DurationText, "duration", "(cake.config, 1m)");

    public static readonly Parameter<int> ConsecutiveBreaches = new(
        "consecutive-breaches", "Deploy: consecutive breaching samples that trigger the automatic rollback (0: cake.config ConsecutiveBreaches)", 0, Integer(0, 1000), "count", "(cake.config, 2)");

    public static readonly Parameter<string> TerraformBackend = new(
        "terraform-backend", "Deploy: s3 (state in TERRAFORM_STATE_BUCKET) or local (the configuration's own backend, e.g. a rehearsal's local backend override)", "s3",
        raw => raw.ToLowerInvariant() is "s3" or "local" ? raw.ToLowerInvariant() : throw new FormatException($"'{raw}' is not valid. Valid values: s3, local."), "s3|local");

    public static readonly Parameter<string> TerraformVarFile = new(
        "terraform-var-file", "Deploy: a .tfvars file passed to every plan; {workspace} is replaced by the workspace name (e.g. vars/{workspace}.tfvars)", string.Empty, Text, "path", "(none)");

    public static readonly Parameter<string> TerraformStateKey = new(
        "terraform-state-key", "Deploy: key of the Terraform state in TERRAFORM_STATE_BUCKET (workspaces are stored under env:/)", "storytailor/terraform.tfstate", Text, "key");

    public static readonly Parameter<double> DeployLoadWarmUp = new(
        "deploy-load-warm-up", "Deploy: seconds of unmeasured warm-up before the pre-promotion load test (-1: the profile's); --load-duration and --load-rate shorten the test itself", -1, Number(-1, 3600), "seconds", "(profile's)");

    private static string DurationText(string raw) =>
        raw.Length == 0 || Storytailor.Deploy.Durations.TryParse(raw, out var value) && value > TimeSpan.Zero
            ? raw
            : throw new FormatException($"'{raw}' is not a positive duration (e.g. 15m, 30s, 1h30m, 500ms).");
}
