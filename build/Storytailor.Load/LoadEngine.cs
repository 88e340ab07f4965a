using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using HdrHistogram;
using Storytailor.Core;

namespace Storytailor.Load;

/// <summary>What to run: a profile, a request mix, a target, and how to resolve <c>${SECRET}</c> references.</summary>
public sealed record LoadRun(Uri BaseUrl, LoadProfile Profile, IReadOnlyList<ScenarioRequest> Requests)
{
    /// <summary>Resolves a secret name to its value (null when unknown). Values are never logged.</summary>
    public Func<string, string?> SecretLookup { get; init; } = _ => null;

    /// <summary>
    /// Requests whose path starts with a prefix go to that base URL instead (the longest prefix wins): several
    /// local services, each answering its own routes. Empty: every request goes to <see cref="BaseUrl"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Uri>> Routes { get; init; } = [];

    /// <summary>The URL a request path is sent to.</summary>
    public Uri Target(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var relative = new Uri(path.TrimStart('/'), UriKind.Relative);
        var route = Routes.Where(r => path.StartsWith(r.Key, StringComparison.Ordinal)).OrderByDescending(r => r.Key.Length).Select(r => r.Value).FirstOrDefault();
        return route is null ? relative : new Uri(route, relative);
    }
}

/// <summary>
/// The build's load generator. Latency is measured from each request's intended start time (open
/// model: its slot in the arrival schedule; closed model: when its virtual user wanted to send it),
/// so a stalled server shows up in the percentiles. Latencies go into an HdrHistogram (microseconds,
/// 3 significant digits), so memory does not grow with the length of the run.
/// </summary>
public sealed partial class LoadEngine(IBuildLog log, SecretRedactor? redactor = null)
{
    private const long HighestTrackableMicroseconds = 3_600_000_000; // one hour

    public async Task<LoadTestResult> RunAsync(LoadRun run, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.Profile.Validate();
        var templates = Prepare(run);
        var profile = run.Profile;
        var connections = profile.Model == LoadModel.Open ? profile.MaxInFlight : profile.VirtualUsers;
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { BaseAddress = run.BaseUrl, Timeout = profile.RequestTimeout };

        log.Information($"Load test {profile.Describe()} against {run.BaseUrl}");
        var state = new RunState(profile, templates, client);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var startedAt = DateTimeOffset.UtcNow;
        state.Start = Stopwatch.GetTimestamp();

        var reporter = ReportEverySecondAsync(state, progress, stop);
        if (profile.Model == LoadModel.Open)
        {
            var scheduler = new Thread(() => Schedule(state, stop.Token)) { IsBackground = true, Name = "load-scheduler", Priority = ThreadPriority.AboveNormal };
            scheduler.Start();
            await Task.Run(scheduler.Join, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            var users = Enumerable.Range(0, profile.VirtualUsers).Select(i => Task.Run(() => VirtualUserAsync(state, i, stop.Token), CancellationToken.None));
            await Task.WhenAll(users).ConfigureAwait(false);
        }

        state.SchedulingEnded = true;
        await DrainAsync(state).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await reporter.ConfigureAwait(false);
        state.CloseInterval();

        cancellationToken.ThrowIfCancellationRequested();
        var measured = state.Aborted
            ? Math.Max(0, Seconds(Stopwatch.GetTimestamp() - state.Start) - profile.WarmUp.TotalSeconds)
            : profile.Duration.TotalSeconds;
        var snapshot = state.Snapshot(measured);
        var outcomes = profile.Thresholds.Select(t => t.Evaluate(snapshot)).ToList();
        var result = new LoadTestResult(profile.Name, "builtin", profile.Model, run.BaseUrl.ToString(), startedAt, measured, snapshot.Requests, snapshot.Failed, snapshot.Dropped, snapshot.Latency, outcomes)
        {
            Errors = new Dictionary<string, long>(state.Errors),
            Series = state.Series,
            Aborted = state.Aborted,
            AbortReason = state.AbortReason,
        };
        log.Information($"Load test '{profile.Name}' finished: {result.Requests} requests, {result.Failed} errors, {result.Dropped} dropped, p95 {result.Latency?.P95Ms:0.0} ms: {(result.Passed ? "passed" : "FAILED")}");
        return result;
    }

    private IReadOnlyList<PreparedRequest> Prepare(LoadRun run)
    {
        var requests = run.Requests.Where(r => r.Weight > 0).ToList();
        if (requests.Count == 0)
        {
            throw new LoadConfigurationException("The scenario has no request with a weight above 0.");
        }

        var cumulative = 0;
        var prepared = new List<PreparedRequest>();
        foreach (var request in requests)
        {
            var headers = new List<KeyValuePair<string, string>>();
            string? contentType = null;
            foreach (var (name, value) in request.Headers)
            {
                var resolved = SecretReference().Replace(value, m =>
                {
                    var secret = run.SecretLookup(m.Groups[1].Value)
                        ?? throw new LoadConfigurationException($"Request '{request.Name}': header '{name}' references secret '{m.Groups[1].Value}', which is not set.");
                    redactor?.Register(secret);
                    return secret;
                });
                if (string.Equals(name, "content-type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = resolved;
                }
                else
                {
                    headers.Add(new(name, resolved));
                }
            }

            cumulative += request.Weight;
            var body = request.Body is null ? null : System.Text.Encoding.UTF8.GetBytes(request.Body);
            prepared.Add(new PreparedRequest(new HttpMethod(request.Method), run.Target(request.Path), headers, body, contentType ?? "application/json", cumulative));
        }

        if (!run.BaseUrl.AbsolutePath.EndsWith('/'))
        {
            throw new LoadConfigurationException($"Base URL '{run.BaseUrl}' must end with '/' so request paths append to it.");
        }

        return prepared;
    }

    private static void Schedule(RunState state, CancellationToken token)
    {
        var profile = state.Profile;
        var total = (profile.WarmUp + profile.Duration).TotalSeconds;
        var measuredFrom = profile.WarmUp.TotalSeconds;
        var interval = 1.0 / profile.Rate;
        for (long i = 0; !token.IsCancellationRequested; i++)
        {
            var due = i * interval;
            if (due >= total)
            {
                break;
            }

            // Sleep in whole milliseconds; the lag this adds (about 1 ms at most) is part of the measured latency.
            for (var wait = due - Seconds(Stopwatch.GetTimestamp() - state.Start); wait > 0; wait = due - Seconds(Stopwatch.GetTimestamp() - state.Start))
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(1, Math.Floor(wait * 1000))));
            }

            var measured = due >= measuredFrom;
            var intended = state.Start + (long)(due * Stopwatch.Frequency);
            if (Interlocked.Increment(ref state.InFlight) > profile.MaxInFlight)
            {
                Interlocked.Decrement(ref state.InFlight);
                if (measured)
                {
                    state.RecordDropped();
                }

                continue;
            }

            var template = state.Pick();
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.State.SendAsync(s.Template, s.Intended, s.Measured), (State: state, Template: template, Intended: intended, Measured: measured), preferLocal: false);
        }
    }

    private async Task VirtualUserAsync(RunState state, int user, CancellationToken token)
    {
        var profile = state.Profile;
        var end = state.Start + (long)((profile.WarmUp + profile.Duration).TotalSeconds * Stopwatch.Frequency);
        var measuredFrom = state.Start + (long)(profile.WarmUp.TotalSeconds * Stopwatch.Frequency);
        var intended = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested && intended < end)
        {
            Interlocked.Increment(ref state.InFlight);
            await state.SendAsync(state.Pick(), intended, intended >= measuredFrom).ConfigureAwait(false);
            if (profile.ThinkTime > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(profile.ThinkTime, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            intended = Stopwatch.GetTimestamp();
        }

        log.Verbose($"virtual user {user} finished");
    }

    private static async Task DrainAsync(RunState state)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((state.Profile.RequestTimeout.TotalSeconds + 5) * Stopwatch.Frequency);
        while (Volatile.Read(ref state.InFlight) > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private async Task ReportEverySecondAsync(RunState state, IProgress<LoadProgress>? progress, CancellationTokenSource stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var profile = state.Profile;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                var elapsed = Seconds(Stopwatch.GetTimestamp() - state.Start);
                var warmingUp = elapsed < profile.WarmUp.TotalSeconds;
                var sample = state.CloseInterval();
                var measured = Math.Max(0, elapsed - profile.WarmUp.TotalSeconds);
                var snapshot = state.Snapshot(Math.Min(measured, profile.Duration.TotalSeconds));
                var outcomes = snapshot.Requests == 0 ? [] : profile.Thresholds.Select(t => t.Evaluate(snapshot)).ToList();
                progress?.Report(new LoadProgress(
                    profile.Name,
                    warmingUp,
                    TimeSpan.FromSeconds(elapsed),
                    TimeSpan.FromSeconds(Math.Max(0, (profile.WarmUp + profile.Duration).TotalSeconds - elapsed)),
                    sample?.Requests ?? 0,
                    sample?.P95Ms,
                    snapshot.Requests,
                    snapshot.Failed,
                    snapshot.Dropped,
                    Volatile.Read(ref state.InFlight),
                    outcomes));
                var failing = outcomes.FirstOrDefault(o => o.AbortOnFail && !o.Passed);
                if (failing is not null && !state.SchedulingEnded)
                {
                    state.Abort($"threshold {failing.Metric}: {failing.Expression} failed during the run (abortOnFail)");
                    log.Warning($"Load test '{profile.Name}' aborted: {failing.Describe()}");
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended; the final interval is closed by the caller.
        }
    }

    internal static double Seconds(long stopwatchTicks) => (double)stopwatchTicks / Stopwatch.Frequency;

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex SecretReference();

    private sealed record PreparedRequest(HttpMethod Method, Uri Path, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body, string ContentType, int CumulativeWeight);

    /// <summary>Shared state of one run: counters, histograms and per-second series.</summary>
    private sealed class RunState(LoadProfile profile, IReadOnlyList<PreparedRequest> templates, HttpClient client)
    {
        private readonly Lock _gate = new();
        private readonly LongHistogram _total = new(1, HighestTrackableMicroseconds, 3);
        private LongHistogram _interval = new(1, HighestTrackableMicroseconds, 3);
        private LongHistogram _spare = new(1, HighestTrackableMicroseconds, 3);
        private readonly int _totalWeight = templates[^1].CumulativeWeight;
        private long _requests;
        private long _failed;
        private long _dropped;
        private long _intervalRequests;
        private long _intervalFailed;
        private long _intervalDropped;
        private int _second;

        public int InFlight;

        public LoadProfile Profile { get; } = profile;

        public long Start { get; set; }

        public volatile bool SchedulingEnded;

        public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

        public List<SecondSample> Series { get; } = [];

        public bool Aborted { get; private set; }

        public string? AbortReason { get; private set; }

        public void Abort(string reason)
        {
            Aborted = true;
            AbortReason = reason;
        }

        public PreparedRequest Pick()
        {
            if (templates.Count == 1)
            {
                return templates[0];
            }

            var ticket = Random.Shared.Next(_totalWeight);
            foreach (var template in templates)
            {
                if (ticket < template.CumulativeWeight)
                {
                    return template;
                }
            }

            return templates[^1];
        }

        public async Task SendAsync(PreparedRequest template, long intended, bool measured)
        {
            string? error = null;
            try
            {
                using var request = new HttpRequestMessage(template.Method, template.Path);
                foreach (var (name, value) in template.Headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                if (template.Body is not null)
                {
                    request.Content = new ByteArrayContent(template.Body);
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(template.ContentType);
                }

                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                await response.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is < 200 or >= 400)
                {
                    error = $"HTTP {status}";
                }
            }
            catch (TaskCanceledException)
            {
                error = "timeout";
            }
            catch (HttpRequestException ex)
            {
                error = ex.InnerException is SocketException socket ? socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset",
                    var code => $"socket {code}",
                } : $"request error: {ex.HttpRequestError}";
            }
            catch (IOException)
            {
                error = "connection reset";
            }
            finally
            {
                var latencyTicks = Stopwatch.GetTimestamp() - intended;
                Interlocked.Decrement(ref InFlight);
                if (measured)
                {
                    Record(Math.Max(1, latencyTicks * 1_000_000 / Stopwatch.Frequency), error);
                }
            }
        }

        private void Record(long microseconds, string? error)
        {
            lock (_gate)
            {
                _interval.RecordValue(Math.Min(microseconds, HighestTrackableMicroseconds));
                _intervalRequests++;
                if (error is not null)
                {
                    _intervalFailed++;
                }
            }

            if (error is not null)
            {
                Errors.AddOrUpdate(error, 1, static (_, n) => n + 1);
            }
        }

        public void RecordDropped()
        {
            lock (_gate)
            {
                _intervalDropped++;
            }
        }

        /// <summary>Folds the current second into the totals; returns its sample (null during warm-up with no data).</summary>
        public SecondSample? CloseInterval()
        {
            LongHistogram closed;
            long requests, failed, dropped;
            lock (_gate)
            {
                closed = _interval;
                _interval = _spare;
                requests = _intervalRequests;
                failed = _intervalFailed;
                dropped = _intervalDropped;
                _intervalRequests = _intervalFailed = _intervalDropped = 0;
            }

            SecondSample? sample = null;
            lock (_total)
            {
                _requests += requests;
                _failed += failed;
                _dropped += dropped;
                if (requests > 0 || dropped > 0 || Series.Count > 0)
                {
                    var any = closed.TotalCount > 0;
                    sample = new SecondSample(
                        ++_second,
                        requests,
                        failed,
                        dropped,
                        any ? closed.GetValueAtPercentile(50) / 1000.0 : null,
                        any ? closed.GetValueAtPercentile(95) / 1000.0 : null,
                        any ? closed.GetValueAtPercentile(99) / 1000.0 : null,
                        any ? closed.GetMaxValue() / 1000.0 : null);
                    Series.Add(sample);
                }

                _total.Add(closed);
                closed.Reset();
            }

            lock (_gate)
            {
                _spare = closed;
            }

            return sample;
        }

        public LoadSnapshot Snapshot(double elapsedSeconds)
        {
            lock (_total)
            {
                return new LoadSnapshot(_requests, _failed, _dropped, elapsedSeconds, LatencySummary.From(_total));
            }
        }
    }
}
