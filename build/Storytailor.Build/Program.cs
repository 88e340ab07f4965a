using Cake.Cli;
using Cake.Core;
using Cake.Frosting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Storytailor.Build.Context;
using Storytailor.Build.Reporting;
using Storytailor.Build.Secrets;

return new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseTaskLifetime<TaskLifetime>()
    .ConfigureServices(services =>
    {
        services.AddSingleton(_ => SecretEnvironment.CreateRedactor(SecretEnvironment.Current()));
        services.AddSingleton<SkipReasons>();
        services.AddSingleton<IArgumentCatalog, BuildArgumentCatalog>();
        services.AddSingleton<IConsole>(p => new RedactingConsole(
            new CakeConsole(p.GetRequiredService<ICakeEnvironment>()),
            p.GetRequiredService<Storytailor.Core.SecretRedactor>()));
        services.AddSingleton<ICakeReportPrinter>(p => new ReasonedReportPrinter(
            new CakeSpectreReportPrinter(p.GetRequiredService<IAnsiConsole>()),
            p.GetRequiredService<SkipReasons>(),
            p.GetRequiredService<Cake.Core.Diagnostics.ICakeLog>()));
    })
    .Run(args);
