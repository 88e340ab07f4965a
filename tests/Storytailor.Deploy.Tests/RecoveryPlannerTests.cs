using NUnit.Framework;
using Storytailor.Deploy;

namespace Storytailor.Deploy.Tests;

public sealed class RecoveryPlannerTests
{
    private const string Version = "v1.3.0";
    private static readonly LiveColour BlueLive = new(DeploymentColour.Blue, "blue-api", 60);
    private static readonly LiveColour GreenLive = new(DeploymentColour.Green, "green-api", 60);
    private static readonly LiveColour NoRecord = new(null, null, null);

    /// <summary>A production record blue → green whose listed steps succeeded, and optionally one more step in the given state.</summary>
    private static DeploymentRecord Record(IEnumerable<string> succeeded, (string Name, StepOutcome Outcome)? last = null, DeploymentColour? before = DeploymentColour.Blue, bool skipTests = false)
    {
        var record = new DeploymentRecord
        {
            Id = "20250602T100000Z-v1.3.0-abcdef",
            Environment = "production",
            Version = Version,
            Trigger = new DeploymentTrigger("octocat", "push", "42", null),
            ColourBefore = before,
            ColourAfter = before?.Other() ?? DeploymentColour.Blue,
            PreviousVersion = before is null ? null : "v1.2.0",
            SkipTests = skipTests,
            SkipTestsReason = skipTests ? "incident 42" : null,
        };
        record.Steps.AddRange(succeeded.Select(s => new DeploymentStepRecord { Name = s, Outcome = StepOutcome.Succeeded }));
        if (last is { } step)
        {
            record.Steps.Add(new DeploymentStepRecord { Name = step.Name, Outcome = step.Outcome, Facts = ["p95 912 ms > 800 ms"] });
        }

        return record;
    }

    private static IEnumerable<string> Upto(string step) => DeploymentSteps.Production.TakeWhile(s => s != step);

    /// <summary>Every crash point of a production deployment: each step interrupted, with the record on either colour.</summary>
    private static IEnumerable<TestCaseData> CrashPoints()
    {
        foreach (var step in DeploymentSteps.Production)
        {
            foreach (var live in new[] { BlueLive, GreenLive })
            {
                yield return new TestCaseData(step, live, false).SetName($"Crash during {step}, record on {live.Colour}");
                yield return new TestCaseData(step, live, true).SetName($"Crash during {step}, record on {live.Colour}, tests skipped with a reason");
            }
        }
    }

    [TestCaseSource(nameof(CrashPoints))]
    public void The_public_record_never_stays_on_a_colour_that_did_not_pass_its_tests(string crashedStep, LiveColour live, bool skipTests)
    {
        var steps = Upto(crashedStep).ToList();
        var record = Record(skipTests ? steps.Where(s => s != DeploymentSteps.Tests) : steps, (crashedStep, StepOutcome.Running), skipTests: skipTests);
        if (skipTests && steps.Contains(DeploymentSteps.Tests))
        {
            record.Steps.Insert(steps.IndexOf(DeploymentSteps.Tests), new DeploymentStepRecord { Name = DeploymentSteps.Tests, Outcome = StepOutcome.Skipped });
        }

        var decision = RecoveryPlanner.Decide(record, live, Version);

        var testsPassed = steps.Contains(DeploymentSteps.Tests);
        var endsOnGreen = decision.Action switch
        {
            RecoveryAction.RollBack => decision.SwitchRecordTo == DeploymentColour.Green,
            RecoveryAction.Refuse => live.Colour == DeploymentColour.Green,
            _ => live.Colour == DeploymentColour.Green || (decision.Action == RecoveryAction.Resume && DeploymentSteps.Production.ToList().IndexOf(decision.ResumeFromStep!) >= DeploymentSteps.Production.ToList().IndexOf(DeploymentSteps.Switch)),
        };
        if (!testsPassed)
        {
            Assert.That(endsOnGreen, Is.False, $"{decision.Action}: {decision.Reason}");
        }

        Assert.That(decision.Action, Is.Not.EqualTo(RecoveryAction.StartNew));
        Assert.That(decision.DeploymentId, Is.EqualTo(record.Id));
    }

    [Test]
    public void No_unfinished_record_starts_normally() =>
        Assert.That(RecoveryPlanner.Decide(null, BlueLive, Version).Action, Is.EqualTo(RecoveryAction.StartNew));

    [Test]
    public void A_crash_before_the_switch_resumes_at_the_interrupted_step()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Tests), (DeploymentSteps.Tests, StepOutcome.Running)), BlueLive, Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.Resume));
        Assert.That(decision.ResumeFromStep, Is.EqualTo(DeploymentSteps.Tests));
    }

    [Test]
    public void A_crash_after_the_tests_resumes_at_the_switch()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Switch)), BlueLive, Version);

        Assert.That(decision.ResumeFromStep, Is.EqualTo(DeploymentSteps.Switch));
    }

    [Test]
    public void Switched_to_an_untested_colour_rolls_back_to_the_previous_one()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Tests), (DeploymentSteps.Tests, StepOutcome.Running)), GreenLive, Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.RollBack));
        Assert.That(decision.SwitchRecordTo, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(decision.Reason, Does.Contain("did not pass"));
    }

    [Test]
    public void A_first_deployment_live_on_an_untested_colour_is_refused_not_resumed()
    {
        var record = Record(Upto(DeploymentSteps.Tests), (DeploymentSteps.Tests, StepOutcome.Running), before: null);

        var decision = RecoveryPlanner.Decide(record, new LiveColour(DeploymentColour.Blue, "blue-api", 60), Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.Refuse));
        Assert.That(decision.Reason, Does.Contain("first deployment"));
    }

    [Test]
    public void A_crash_during_monitoring_resumes_with_a_full_window()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Monitoring), (DeploymentSteps.Monitoring, StepOutcome.Running)), GreenLive, Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.Resume));
        Assert.That(decision.ResumeFromStep, Is.EqualTo(DeploymentSteps.Monitoring));
    }

    [Test]
    public void A_crash_after_monitoring_failed_finishes_the_rollback()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Monitoring), (DeploymentSteps.Monitoring, StepOutcome.Failed)), GreenLive, Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.RollBack));
        Assert.That(decision.SwitchRecordTo, Is.EqualTo(DeploymentColour.Blue));
        Assert.That(decision.Reason, Does.Contain("p95 912 ms > 800 ms"));
    }

    [Test]
    public void A_crash_in_the_middle_of_a_rollback_finishes_it_and_a_finished_one_is_closed()
    {
        var record = Record(Upto(DeploymentSteps.Monitoring), (DeploymentSteps.Monitoring, StepOutcome.Failed));
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Rollback, Outcome = StepOutcome.Running });

        Assert.That(RecoveryPlanner.Decide(record, GreenLive, Version).Action, Is.EqualTo(RecoveryAction.RollBack));
        Assert.That(RecoveryPlanner.Decide(record, BlueLive, Version).Action, Is.EqualTo(RecoveryAction.RollBack), "smoke check of blue may not have run");

        record.Steps[^1].Outcome = StepOutcome.Succeeded;
        var closed = RecoveryPlanner.Decide(record, BlueLive, "v1.4.0");
        Assert.That(closed.Action, Is.EqualTo(RecoveryAction.CloseAsRolledBack));
        Assert.That(closed.MayStartNewDeployment, Is.True);
    }

    [Test]
    public void An_interrupted_on_call_rollback_is_never_switched_back_to_the_colour_it_left()
    {
        // On-call rolled green (live) back to blue: the record's colours run the other way round.
        var rollback = new DeploymentRecord
        {
            Id = "20250602T120000Z-v1.2.0-fedcba",
            Environment = "production",
            Version = "v1.2.0",
            Kind = DeploymentKind.Rollback,
            Trigger = new DeploymentTrigger("oncall", "workflow_dispatch", "77", null),
            ColourBefore = DeploymentColour.Green,
            ColourAfter = DeploymentColour.Blue,
            PreviousVersion = Version,
        };
        rollback.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Preflight, Outcome = StepOutcome.Succeeded });
        rollback.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Rollback, Outcome = StepOutcome.Running });

        var switched = RecoveryPlanner.Decide(rollback, BlueLive, "v1.4.0");
        var notYet = RecoveryPlanner.Decide(rollback, GreenLive, "v1.4.0");
        rollback.Steps[^1].Outcome = StepOutcome.Succeeded;
        var finished = RecoveryPlanner.Decide(rollback, BlueLive, "v1.4.0");

        Assert.That(switched.Action, Is.EqualTo(RecoveryAction.CloseAsRolledBack), switched.Reason);
        Assert.That(switched.SwitchRecordTo, Is.Null, "nothing is switched");
        Assert.That(switched.Reason, Does.Contain("on-call rollback").And.Contain("run SmokeTests"));
        Assert.That(notYet.Action, Is.EqualTo(RecoveryAction.CloseAsFailed), notYet.Reason);
        Assert.That(notYet.Reason, Does.Contain("Run Rollback again"));
        Assert.That(finished.Action, Is.EqualTo(RecoveryAction.CloseAsRolledBack));
        Assert.That(new[] { switched, notYet, finished }.All(d => d.MayStartNewDeployment), Is.True);
        Assert.That(RecoveryPlanner.Decide(rollback, NoRecord, "v1.4.0").Action, Is.EqualTo(RecoveryAction.Refuse), "the record changed outside the pipeline");
    }

    [Test]
    public void A_different_version_is_refused_while_an_unfinished_deployment_exists()
    {
        var record = Record(Upto(DeploymentSteps.Apply), (DeploymentSteps.Apply, StepOutcome.Running));

        var refused = RecoveryPlanner.Decide(record, BlueLive, "v1.4.0");
        var superseded = RecoveryPlanner.Decide(record, BlueLive, "v1.4.0", supersede: true);

        Assert.That(refused.Action, Is.EqualTo(RecoveryAction.Refuse));
        Assert.That(refused.Reason, Does.Contain(record.Id).And.Contain("octocat").And.Contain("--supersede"));
        Assert.That(superseded.Action, Is.EqualTo(RecoveryAction.CloseAsFailed));
        Assert.That(superseded.MayStartNewDeployment, Is.True);
    }

    [Test]
    public void Superseding_is_refused_while_the_unfinished_deployment_is_live()
    {
        var record = Record(Upto(DeploymentSteps.Monitoring), (DeploymentSteps.Monitoring, StepOutcome.Running));

        var decision = RecoveryPlanner.Decide(record, GreenLive, "v1.4.0", supersede: true);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.Refuse));
        Assert.That(decision.Reason, Does.Contain("rollback target"));
    }

    [Test]
    public void A_record_moved_outside_the_pipeline_is_refused()
    {
        var record = Record(Upto(DeploymentSteps.Monitoring), (DeploymentSteps.Monitoring, StepOutcome.Running));

        Assert.That(RecoveryPlanner.Decide(record, NoRecord, Version).Action, Is.EqualTo(RecoveryAction.Refuse));
        Assert.That(RecoveryPlanner.Decide(record, BlueLive, Version).Action, Is.EqualTo(RecoveryAction.Refuse), "switched, then back on blue without a recorded rollback");
    }

    [Test]
    public void A_failed_step_before_the_switch_is_closed_failed()
    {
        var decision = RecoveryPlanner.Decide(Record(Upto(DeploymentSteps.Tests), (DeploymentSteps.Tests, StepOutcome.Failed)), BlueLive, Version);

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.CloseAsFailed));
        Assert.That(decision.MayStartNewDeployment, Is.True);
    }

    [Test]
    public void Staging_after_a_failure_with_changed_infrastructure_re_applies_the_previous_version()
    {
        var record = new DeploymentRecord
        {
            Id = "s1",
            Environment = "staging",
            Version = "abc",
            Trigger = new DeploymentTrigger("octocat", "push", "1", null),
            PreviousVersion = "prev",
        };
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Apply, Outcome = StepOutcome.Succeeded });
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Tests, Outcome = StepOutcome.Failed });

        var decision = RecoveryPlanner.Decide(record, null, "abc");

        Assert.That(decision.Action, Is.EqualTo(RecoveryAction.RollBack));
        Assert.That(decision.RollBackToVersion, Is.EqualTo("prev"));
    }

    [Test]
    public void Staging_interrupted_after_apply_resumes_at_the_next_step()
    {
        var record = new DeploymentRecord { Id = "s2", Environment = "staging", Version = "abc", Trigger = new DeploymentTrigger("o", "push", "1", null) };
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Preflight, Outcome = StepOutcome.Succeeded });
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Upload, Outcome = StepOutcome.Succeeded });
        record.Steps.Add(new DeploymentStepRecord { Name = DeploymentSteps.Apply, Outcome = StepOutcome.Succeeded });

        var decision = RecoveryPlanner.Decide(record, null, "abc");

        Assert.That(decision.ResumeFromStep, Is.EqualTo(DeploymentSteps.Migrations));
    }
}
