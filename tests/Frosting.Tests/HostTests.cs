using Cake.Frosting;
using Frosting.Extras;

namespace Frosting.Tests;

[TestFixture]
public sealed class HostTests
{
    private static HostHarness Harness(params Type[] tasks) =>
        new HostHarness().Configure(h => h.UseContext<HostTestContext>()).WithTasks(tasks);

    [Test]
    public void Runs_the_target_after_its_dependencies_in_order()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask), typeof(DefaultTask)).Run("--target=Package");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Compile", "Test", "Package" }));
        Assert.That(result.Output, Does.Contain("Package").And.Contain("Succeeded"));
    }

    [Test]
    public void Without_a_target_runs_Default()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask), typeof(DefaultTask)).Run();

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Compile", "Test", "Package", "Default" }));
    }

    [Test]
    public void IsDependeeOf_runs_the_task_before_the_named_one()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(LintTask)).Run("--target=Test");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EquivalentTo(new[] { "Compile", "Lint", "Test" }));
        Assert.That(result.Executed[^1], Is.EqualTo("Test"));
    }

    [Test]
    public void Several_targets_run_together()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(LintTask), typeof(AsyncTask)).Run("--target=Lint", "-t", "Async");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EquivalentTo(new[] { "Lint", "Async" }));
    }

    [Test]
    public void ShouldRun_false_skips_the_task_but_its_dependents_run_and_the_report_says_so()
    {
        var harness = Harness(typeof(CompileTask), typeof(ConditionalTask), typeof(AfterConditionalTask))
            .Configure(h => h.ConfigureServices(_ => { }));
        var result = harness.Run("--target=AfterConditional");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Compile", "AfterConditional" }));
        Assert.That(result.Output, Does.Contain("Conditional").And.Contain("Skipped"));
    }

    [Test]
    public void Skip_option_skips_named_tasks_their_dependents_still_run_and_the_report_says_why()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run("--target=Package", "--skip=Compile,Test");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Package" }));
        Assert.That(result.Output, Does.Contain("Skipped by --skip"));
    }

    [Test]
    public void Skip_option_with_an_unknown_task_is_a_usage_error_and_nothing_runs()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask)).Run("--target=Test", "--skip=Complie");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Executed, Is.Empty);
        Assert.That(result.Output, Does.Contain("Unknown task to skip 'Complie'. Did you mean 'Compile'?"));
    }

    [Test]
    public void A_failing_task_stops_the_run_with_exit_code_1_and_its_message_but_Finally_runs()
    {
        var result = Harness(typeof(CompileTask), typeof(FailingTask), typeof(AfterFailingTask)).Run("--target=AfterFailing");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Executed, Is.EqualTo(new[] { "Compile", "Failing.Finally" }));
        Assert.That(result.Output, Does.Contain("the widget broke"));
        Assert.That(result.Output, Does.Not.Contain("   at "), "no stack trace below diagnostic verbosity");
    }

    [Test]
    public void A_task_that_throws_a_CakeException_with_an_exit_code_exits_with_that_code()
    {
        var result = Harness(typeof(MisconfiguredTask)).Run("--target=Misconfigured");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.Output, Does.Contain("secret X is missing"));
    }

    [Test]
    public void Diagnostic_verbosity_shows_the_stack_trace()
    {
        var result = Harness(typeof(CompileTask), typeof(FailingTask)).Run("--target=Failing", "--verbosity=diagnostic");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Output, Does.Contain("   at "));
    }

    [Test]
    public void OnError_handles_the_failure()
    {
        var result = Harness(typeof(HandledTask)).Run("--target=Handled");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Handled.OnError: handled failure" }));
    }

    [Test]
    public void ContinueOnError_lets_dependents_run()
    {
        var result = Harness(typeof(ToleratedTask), typeof(AfterToleratedTask)).Run("--target=AfterTolerated");

        Assert.That(result.Executed, Is.EqualTo(new[] { "AfterTolerated" }));
        Assert.That(result.Output, Does.Contain("tolerated failure"));
    }

    [Test]
    public void Async_tasks_run()
    {
        var result = Harness(typeof(AsyncTask)).Run("--target=Async", "--verbosity=diagnostic");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Async" }));
    }

    [Test]
    public void Tasks_are_built_through_dependency_injection_and_UseWorkingDirectory_applies()
    {
        var folder = Directory.CreateTempSubdirectory("frosting-working-");
        try
        {
            var result = Harness(typeof(ServiceTask))
                .Configure(h => h.UseWorkingDirectory(folder.FullName))
                .Run("--target=UsesService");

            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
            Assert.That(result.Executed, Is.EqualTo(new[] { $"UsesService in {folder.Name}" }));
        }
        finally
        {
            folder.Delete(true);
        }
    }

    [Test]
    public void Lifetimes_wrap_the_run_and_every_task_and_teardown_runs_after_a_failure()
    {
        var result = Harness(typeof(CompileTask), typeof(FailingTask))
            .Configure(h => h.UseLifetime<RecordingLifetime>().UseTaskLifetime<RecordingTaskLifetime>())
            .Run("--target=Failing");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Executed, Is.EqualTo(new[]
        {
            "Setup:Failing", "TaskSetup:Compile", "Compile", "TaskTeardown:Compile",
            "TaskSetup:Failing", "Failing.Finally", "TaskTeardown:Failing", "Teardown:failed",
        }));
    }

    [Test]
    public void Dry_run_executes_nothing_and_lists_the_plan()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run("--target=Package", "--dryrun");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.Empty);
        Assert.That(result.Output, Does.Contain("1. Compile").And.Contain("2. Test").And.Contain("3. Package"));
    }

    [Test]
    public void Dry_run_lists_skipped_tasks_in_their_place_with_the_reason()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run("--target=Package", "--dryrun", "--skip=Test");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.Empty);
        Assert.That(result.Output, Does.Contain("1. Compile").And.Contain("2. Test: would be skipped, Skipped by --skip").And.Contain("3. Package"));
    }

    [Test]
    public void Dry_run_gives_the_reason_the_application_recorded_for_a_task_that_decided_not_to_run()
    {
        var reasons = new SkipReasons();
        reasons.Record("Conditional", "cached (key 0123456789ab)");
        var result = Harness(typeof(CompileTask), typeof(ConditionalTask), typeof(AfterConditionalTask))
            .Configure(h => h.ConfigureServices(s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions
                .AddSingleton(s, reasons)))
            .Run("--target=AfterConditional", "--dryrun");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("2. Conditional: would be skipped, cached (key 0123456789ab)").And.Contain("3. AfterConditional"));
    }

    [Test]
    public void Dry_run_still_runs_setup_lifetimes_with_the_dryrun_argument_but_no_task()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask))
            .Configure(h => h.UseLifetime<DryRunAwareLifetime>())
            .Run("--target=Package", "--dry-run");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Setup:Package dryrun=true", "Teardown" }));
    }

    [Test]
    public void Exclusive_runs_only_the_target()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run("--target=Package", "--exclusive");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.EqualTo(new[] { "Package" }));
    }

    [Test]
    public void Tree_prints_the_dependency_tree_without_running()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run("--target=Package", "--tree");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Executed, Is.Empty);
        Assert.That(result.Output, Does.Contain("Package").And.Contain("└─Test"));
    }

    [Test]
    public void Description_lists_tasks_with_their_descriptions()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask)).Run("--description");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("Compile").And.Contain("Compiles things"));
    }

    [Test]
    public void Help_lists_targets_with_descriptions_and_options()
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask)).Run("--help");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("Compiles things").And.Contain("--skip").And.Contain("--exclusive"));
    }

    [Test]
    public void Version_prints_the_tool_version()
    {
        var result = Harness(typeof(CompileTask)).Run("--version");

        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Output, Does.Contain("Cake 7.0.0"));
    }

    [TestCase("--target=Pakage", "Unknown target 'Pakage'. Did you mean 'Package'?")]
    [TestCase("--verbosity=loud", "Unknown verbosity 'loud'. Valid values: quiet, minimal, normal, verbose, diagnostic.")]
    [TestCase("stray", "Unexpected argument 'stray'")]
    [TestCase("--tree --dry-run", "cannot be combined")]
    public void Usage_errors_exit_2_with_one_line_and_run_nothing(string args, string message)
    {
        var result = Harness(typeof(CompileTask), typeof(TestTask), typeof(PackageTask)).Run(args.Split(' '));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Executed, Is.Empty);
        Assert.That(result.Output, Does.Contain(message));
        Assert.That(result.Output, Does.Not.Contain("   at "));
    }

    [Test]
    public void Unknown_argument_names_are_rejected_when_the_application_declares_its_arguments()
    {
        var result = Harness(typeof(CompileTask))
            .Configure(h => h.ConfigureServices(s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions
                .AddSingleton<IArgumentCatalog>(s, new FixedArguments())))
            .Run("--target=Compile", "--enviroment=staging");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Does.Contain("Unknown option '--enviroment'. Did you mean 'environment'?"));
    }

    [Test]
    public void A_malformed_cake_config_is_a_configuration_error()
    {
        var folder = Directory.CreateTempSubdirectory("frosting-config-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "cake.config"), "[Settings\nkey value without equals\n");
            var result = Harness(typeof(CompileTask)).Configure(h => h.UseWorkingDirectory(folder.FullName)).Run("--target=Compile");

            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
            Assert.That(result.Executed, Is.Empty);
            Assert.That(result.Output, Does.Contain("Error:"));
        }
        finally
        {
            folder.Delete(true);
        }
    }

    [Test]
    public void A_context_that_rejects_its_configuration_exits_with_the_code_it_gives()
    {
        var result = new HostHarness().Configure(h => h.UseContext<RejectingContext>()).WithTasks(typeof(CompileTask)).Run("--target=Compile");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output, Does.Contain("environment must be staging or production"));
    }

    private sealed class FixedArguments : IArgumentCatalog
    {
        public IReadOnlyList<ArgumentDescription> Arguments { get; } = [new("environment", "text", "staging", "where")];
    }
}

public sealed class RejectingContext : FrostingContext
{
    public RejectingContext(Cake.Core.ICakeContext context)
        : base(context) => throw new Cake.Core.CakeException(2, "environment must be staging or production");
}
