using Cake.Common.Build;
using Cake.Frosting;
using Storytailor.Build.Context;
using Storytailor.Build.Services.Caching;
using Storytailor.Build.Services.Stages;
using Storytailor.Checks.Terraform;

namespace Storytailor.Build.Tasks.Infrastructure;

[TaskName("TerraformValidate")]
[TaskDescription("terraform fmt -check -recursive, init -backend=false and validate on the app's infrastructure")]
[IsDependentOn(typeof(Preflight.Preflight))]
public sealed class TerraformValidate : CachedStage
{
    protected override StageInputs Inputs(BuildContext context) => StageInputCatalog.TerraformValidate(context);

    protected override void RunStage(BuildContext context)
    {
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
