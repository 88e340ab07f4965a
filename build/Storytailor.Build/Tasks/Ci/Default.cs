using Cake.Frosting;

namespace Storytailor.Build.Tasks.Ci;

[TaskName("Default")]
[TaskDescription("What runs without --target: Ci")]
[IsDependentOn(typeof(Ci))]
public sealed class Default : FrostingTask;
