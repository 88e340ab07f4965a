using Storytailor.Core;

namespace Storytailor.Load.Tests;

public class K6RunnerTests
{
    /// <summary>A summary in k6's --summary-export format (thresholds map to true when FAILED).</summary>
    private static string Summary(bool p95Failed) => $$"""
        {
          "root_group": { "name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}, "checks": {} },
          "options": { "summaryTrendStats": ["avg","min","med","max","p(90)","p(95)","p(99)"], "summaryTimeUnit": "", "noColor": false },
          "state": { "isStdOutTTY": false, "isStdErrTTY": false, "testRunDurationMs": 10012.5 },
          "metrics": {
            "http_reqs": { "count": 500, "rate": 49.95 },
            "http_req_failed": { "passes": 3, "fails": 497, "thresholds": { "rate<0.01": false }, "value": 0.006 },
            "http_req_duration": { "avg": 120.5, "min": 2.1, "med": 80.2, "max": 1500.0, "p(90)": 300.4, "p(95)": {{(p95Failed ? "950.7" : "450.7")}}, "p(99)": 1200.3,
              "thresholds": { "p(95)<800": {{(p95Failed ? "true" : "false")}} } },
            "dropped_iterations": { "count": 2, "rate": 0.2 },
            "iterations": { "count": 500, "rate": 49.95 }
          }
        }
        """;

    private static LoadProfile Profile => StandardProfiles.Baseline with { Thresholds = Threshold.ParseAll(["http_req_duration: p(95)<800", "http_req_failed: rate<0.01", "dropped_iterations: count<5"]) };

    [Test]
    public void Maps_a_k6_summary_export_into_the_result_shape()
    {
        var result = K6Runner.MapSummary(Summary(p95Failed: false), Profile, "http://127.0.0.1:3000/", DateTimeOffset.UnixEpoch);

        Assert.Multiple(() =>
        {
            Assert.That(result.Engine, Is.EqualTo("k6"));
            Assert.That(result.Requests, Is.EqualTo(500));
            Assert.That(result.Failed, Is.EqualTo(3), "http_req_failed 'passes' are the failed requests");
            Assert.That(result.Dropped, Is.EqualTo(2));
            Assert.That(result.Latency!.P95Ms, Is.EqualTo(450.7));
            Assert.That(result.Latency.P99Ms, Is.EqualTo(1200.3));
            Assert.That(result.MeasuredSeconds, Is.EqualTo(500 / 49.95).Within(0.01));
            Assert.That(result.Thresholds.Select(t => t.Passed), Is.All.True);
            Assert.That(result.Passed, Is.True);
        });
    }

    [Test]
    public void A_threshold_k6_reports_as_failed_fails_the_result()
    {
        var result = K6Runner.MapSummary(Summary(p95Failed: true), Profile, "http://127.0.0.1:3000/", DateTimeOffset.UnixEpoch);

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures, Has.Some.Contains("http_req_duration: p(95)<800 FAILED (observed 950.7)"));
    }

    [TestCase(0, false, true)]
    [TestCase(99, true, false)]
    public async Task StandIn_k6_is_run_with_summary_export_and_environment_and_exit_99_is_a_threshold_failure(int exitCode, bool p95Failed, bool passes)
    {
        var folder = Directory.CreateTempSubdirectory("k6-standin-").FullName;
        var summary = Path.Combine(folder, "k6-summary.json");
        var sample = Path.Combine(folder, "sample.json");
        File.WriteAllText(sample, Summary(p95Failed));
        var k6 = Path.Combine(folder, "k6");
        // Stand-in for k6: records its arguments and BASE_URL, writes the summary after --summary-export.
        File.WriteAllText(k6, $"#!/bin/sh\necho \"$@\" > '{folder}/args'\necho \"$BASE_URL $PROFILE\" > '{folder}/env'\n[ -n \"$API_KEY\" ] && echo key-present >> '{folder}/env'\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --summary-export ]; then cp '{sample}' \"$2\"; fi; shift; done\nexit {exitCode}\n");
        File.SetUnixFileMode(k6, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new RecordingLog();
        var run = new K6Run(k6, "/app/testing/load/baseline.js", new Uri("http://127.0.0.1:3000/"), Profile, folder, summary) { ApiKey = "secret-key-1" };

        var result = await new K6Runner(new CommandRunner(log, new SecretRedactor()), log).RunAsync(run);

        Assert.Multiple(() =>
        {
            Assert.That(result.Passed, Is.EqualTo(passes), string.Join("; ", result.Failures));
            Assert.That(result.CouldNotRun, Is.Null);
            Assert.That(File.ReadAllText(Path.Combine(folder, "args")), Does.Contain("run --config").And.Contain("--summary-export " + summary).And.Contain("p(95)").And.EndWith("baseline.js\n"));
            Assert.That(File.ReadAllText(Path.Combine(folder, "env")), Does.StartWith("http://127.0.0.1:3000 baseline").And.Contain("key-present"));
            Assert.That(File.ReadAllText(Path.ChangeExtension(summary, ".options.json")), Does.Contain("p(95)<800").And.Contain("dropped_iterations"));
        });
        Directory.Delete(folder, true);
    }

    [Test]
    public async Task StandIn_k6_that_fails_without_a_summary_could_not_run()
    {
        var folder = Directory.CreateTempSubdirectory("k6-standin-").FullName;
        var k6 = Path.Combine(folder, "k6");
        File.WriteAllText(k6, "#!/bin/sh\necho 'script error' >&2\nexit 107\n");
        File.SetUnixFileMode(k6, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new RecordingLog();

        var result = await new K6Runner(new CommandRunner(log, new SecretRedactor()), log)
            .RunAsync(new K6Run(k6, "x.js", new Uri("http://127.0.0.1:3000/"), Profile, folder, Path.Combine(folder, "s.json")));

        Assert.That(result.Passed, Is.False);
        Assert.That(result.Failures.Single(), Does.Contain("could not run").And.Contain("107").And.Contain("script error"));
        Directory.Delete(folder, true);
    }
}
