using Cake.Common.Build;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Tasks.Security;
using Storytailor.Checks.Terraform;

namespace Storytailor.Build.Tasks.Infrastructure;

[TaskName("TerraformValidate")]
[TaskDescription("terraform fmt -check -recursive, init -backend=false and validate on the app's infrastructure")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class TerraformValidate : FrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.RunUnlessCached(this, StageInputCatalog.TerraformValidate(context));

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsCachedTarget(this))
        {
            return;
        }

        var terraform = new TerraformTool(context.FileSystem, context.Environment, context.ProcessRunner, context.Tools, context.BuildLog, context.Redactor);
        var result = new TerraformValidation(terraform, context.BuildLog)
            .Validate(new TerraformValidationSettings(context.AppPath(context.App.Paths.Terraform)));
        if (context.GitHubActions().IsRunningOnGitHubActions)
        {
            foreach (var annotation in result.Annotations)
            {
                Console.WriteLine(context.Redactor.Redact(annotation));
            }
        }

        StageResult.Require("TerraformValidate", result.Outcome, result.Message, context);
    }
}
