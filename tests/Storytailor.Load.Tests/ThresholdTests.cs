namespace Storytailor.Load.Tests;

public class ThresholdTests
{
    private static LoadSnapshot Snapshot(long requests, long failed, long dropped) =>
        new(requests, failed, dropped, 10, null);

    [TestCase("http_req_duration: p(95)<800", "http_req_duration", "p(95)", ThresholdOperator.Less, 800)]
    [TestCase("http_req_duration: p(99.9) <= 1500", "http_req_duration", "p(99.9)", ThresholdOperator.LessOrEqual, 1500)]
    [TestCase("http_req_failed: rate<0.01", "http_req_failed", "rate", ThresholdOperator.Less, 0.01)]
    [TestCase("dropped_iterations: count<1", "dropped_iterations", "count", ThresholdOperator.Less, 1)]
    [TestCase("http_req_duration: avg<200", "http_req_duration", "avg", ThresholdOperator.Less, 200)]
    [TestCase("http_req_duration: med<150", "http_req_duration", "med", ThresholdOperator.Less, 150)]
    [TestCase("http_req_duration: max<2000", "http_req_duration", "max", ThresholdOperator.Less, 2000)]
    [TestCase("http_reqs: rate>=100", "http_reqs", "rate", ThresholdOperator.GreaterOrEqual, 100)]
    public void Parses_k6_expressions(string line, string metric, string aggregation, ThresholdOperator op, double limit)
    {
        var threshold = Threshold.ParseLine(line);

        Assert.That(threshold, Is.EqualTo(new Threshold(metric, aggregation, op, limit)));
    }

    [TestCase("http_req_duration p(95)<800", "expected 'metric: expression'")]
    [TestCase("http_req_duration: p95<800", "is malformed")]
    [TestCase("http_req_duration: p(95)<", "is malformed")]
    [TestCase("http_req_duration: p(95)<eight", "is malformed")]
    [TestCase("http_req_duration: p(0)<800", "percentile outside")]
    [TestCase("http_req_failed: p(95)<0.01", "does not have")]
    [TestCase("http_req_latency: p(95)<800", "unknown metric 'http_req_latency'")]
    public void Malformed_threshold_is_a_configuration_error_naming_the_expression(string line, string reason)
    {
        var error = Assert.Throws<LoadConfigurationException>(() => Threshold.ParseLine(line));

        Assert.That(error!.Message, Does.Contain(reason));
        Assert.That(error.Message, Does.Contain(line.Contains(':', StringComparison.Ordinal) ? line.Split(':', 2)[1].Trim() : line));
    }

    [Test]
    public void ParseAll_reports_every_malformed_line_at_once()
    {
        var error = Assert.Throws<LoadConfigurationException>(() => Threshold.ParseAll(["http_req_duration: p(95)<800", "http_req_failed: rate<<1", "bogus: x"]));

        Assert.That(error!.Message, Does.Contain("rate<<1").And.Contain("bogus"));
    }

    [Test]
    public void Error_rate_and_dropped_thresholds_compare_the_observed_values()
    {
        var rate = Threshold.ParseLine("http_req_failed: rate<0.01");
        var dropped = Threshold.ParseLine("dropped_iterations: count<1");

        Assert.Multiple(() =>
        {
            Assert.That(rate.Evaluate(Snapshot(1000, 9, 0)).Passed, Is.True);
            Assert.That(rate.Evaluate(Snapshot(1000, 10, 0)).Passed, Is.False);
            Assert.That(dropped.Evaluate(Snapshot(1000, 0, 0)).Passed, Is.True);
            Assert.That(dropped.Evaluate(Snapshot(1000, 0, 1)).Passed, Is.False);
        });
    }

    [Test]
    public void A_latency_threshold_with_no_samples_fails_rather_than_passing()
    {
        var outcome = Threshold.ParseLine("http_req_duration: p(95)<800").Evaluate(Snapshot(0, 0, 0));

        Assert.That(outcome.Passed, Is.False);
        Assert.That(outcome.Describe(), Does.Contain("no samples"));
    }
}
