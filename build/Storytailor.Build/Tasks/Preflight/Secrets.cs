using Cake.Frosting;
using Spectre.Console;
using Storytailor.Build.Context;
using Storytailor.Build.Secrets;

namespace Storytailor.Build.Tasks.Preflight;

[TaskName("Secrets")]
[TaskDescription("Prints the secret catalog: purpose, and per target whether each secret is required and present")]
[IsDependentOn(typeof(Preflight))]
public sealed class Secrets : FrostingTask<BuildContext>
{
    private static readonly string[] Targets =
    [
        SecretCatalog.Ci, SecretCatalog.DeployStaging, SecretCatalog.DeployProduction, SecretCatalog.Rollback, SecretCatalog.SmokeTests,
    ];

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var table = new Table().AddColumn("Secret").AddColumn("Purpose").AddColumn("Set");
        foreach (var target in Targets)
        {
            table.AddColumn(target);
        }

        foreach (var secret in SecretCatalog.All)
        {
            var present = context.Variables.IsSet(secret.Name);
            var cells = new List<string> { secret.Name, secret.Purpose, present ? "present" : "missing" };
            foreach (var target in Targets)
            {
                var environment = SecretCatalog.EnvironmentOf(target, context.DeploymentEnvironment);
                cells.Add(!secret.AppliesTo(target, environment)
                    ? "-"
                    : secret.Need == SecretNeed.Required
                        ? present ? "required, present" : "REQUIRED, MISSING"
                        : present ? "optional, present" : "optional, missing");
            }

            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"Environment for Rollback and SmokeTests: {context.DeploymentEnvironment.ToString().ToLowerInvariant()} (--environment).");
    }
}
