using Cake.Frosting;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Ci")]
[TaskDescription("Continuous integration: every quality, test and validation stage; with --publish-artifacts, then the artifact set is published under the commit")]
[IsDependentOn(typeof(Lint))]
[IsDependentOn(typeof(Typecheck))]
[IsDependentOn(typeof(FormatCheck))]
[IsDependentOn(typeof(UnitTests))]
[IsDependentOn(typeof(Security.SecurityAudit))]
[IsDependentOn(typeof(Security.SnykScanTask))]
[IsDependentOn(typeof(Security.SecretScanTask))]
[IsDependentOn(typeof(Build.Package))]
[IsDependentOn(typeof(Infrastructure.TerraformValidate))]
[IsDependentOn(typeof(Database.DatabaseChecks))]
[IsDependentOn(typeof(Load.PerformanceBaseline))]
[IsDependentOn(typeof(Build.PublishArtifacts))]
public sealed class CiTarget : FrostingTask;

[TaskName("Default")]
[TaskDescription("What runs without --target: Ci")]
[IsDependentOn(typeof(CiTarget))]
public sealed class DefaultTarget : FrostingTask;
