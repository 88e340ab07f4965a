using Cake.Frosting;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Ci")]
[TaskDescription("Continuous integration: every quality, test and validation stage (then PublishArtifacts)")]
[IsDependentOn(typeof(Lint))]
[IsDependentOn(typeof(Typecheck))]
[IsDependentOn(typeof(FormatCheck))]
[IsDependentOn(typeof(UnitTests))]
[IsDependentOn(typeof(Security.SecurityAudit))]
[IsDependentOn(typeof(Security.SnykScan))]
[IsDependentOn(typeof(Security.SecretScan))]
[IsDependentOn(typeof(Build.Package))]
[IsDependentOn(typeof(Infrastructure.TerraformValidate))]
[IsDependentOn(typeof(Database.Database))]
[IsDependentOn(typeof(Load.PerformanceBaseline))]
[IsDependentOn(typeof(Build.PublishArtifacts))]
public sealed class Ci : FrostingTask;
