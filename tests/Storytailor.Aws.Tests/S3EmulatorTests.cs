using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NUnit.Framework;
using Storytailor.Core;

namespace Storytailor.Aws.Tests;

/// <summary>
/// The S3 adapter's put/get/list path against s3rver, an S3 emulator written independently of the fake.
/// s3rver does not honour conditional writes or conditional deletes (it ignores If-None-Match and If-Match), so those stay with the fake. Run `npm ci` in tests/Storytailor.Aws.Tests/s3rver first.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("EndToEnd")]
public sealed class S3EmulatorTests
{
    private Process? _s3rver;
    private string _data = null!;
    private Uri _endpoint = null!;
    private string _stderr = string.Empty;

    [OneTimeSetUp]
    public async Task StartS3rver()
    {
        var folder = Path.GetFullPath(Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../s3rver"));
        var script = Path.Combine(folder, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            Assert.Fail($"could not run: s3rver is not installed; run `npm ci` in {folder}");
        }

        _data = Directory.CreateTempSubdirectory("storytailor-s3rver-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("node", [script, "-d", _data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", "artifacts"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _s3rver = Process.Start(start)!;
        _s3rver.ErrorDataReceived += (_, e) => _stderr += e.Data + "\n";
        _s3rver.BeginErrorReadLine();
        _s3rver.BeginOutputReadLine();
        _endpoint = new Uri($"http://127.0.0.1:{port}/");
        for (var i = 0; i < 100; i++)
        {
            if (_s3rver.HasExited)
            {
                Assert.Fail($"could not run: s3rver exited with {_s3rver.ExitCode}: {_stderr}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail($"could not run: s3rver did not listen on {port} within 10 s: {_stderr}");
    }

    [OneTimeTearDown]
    public void StopS3rver()
    {
        if (_s3rver is { HasExited: false })
        {
            _s3rver.Kill(entireProcessTree: true);
            _s3rver.WaitForExit(5000);
        }

        _s3rver?.Dispose();
        if (_data is not null && Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Test]
    public async Task Put_get_head_list_and_delete_work_against_s3rver()
    {
        // s3rver accepts its own fixed credentials only.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "S3RVER");
        try
        {
            var settings = new AwsSettings
            {
                Region = "us-east-1",
                ServiceEndpoints = new Dictionary<AwsService, Uri> { [AwsService.S3] = _endpoint },
                MaxAttempts = 2,
                RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            };
            using var factory = new AwsClientFactory(settings, new RecordingLog());
            var store = factory.ArtifactStore("artifacts");
            var bytes = "artifact bytes from the build"u8.ToArray();
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

            var first = await store.PutIfAbsentAsync("builds/42/api.zip", new MemoryStream(bytes), sha);
            var second = await store.PutIfAbsentAsync("builds/42/api.zip", new MemoryStream(bytes), sha);
            Assert.That(first.Outcome, Is.EqualTo(ArtifactPutOutcome.Uploaded));
            Assert.That(second.Outcome, Is.EqualTo(ArtifactPutOutcome.Skipped), "the checksum metadata round-trips through s3rver");

            var got = await store.GetAsync("builds/42/api.zip");
            Assert.That(got!.Content, Is.EqualTo(bytes));
            Assert.That(got.Info.Sha256, Is.EqualTo(sha));
            Assert.That(await store.GetAsync("builds/42/missing.zip"), Is.Null);
            Assert.That(await store.HeadAsync("builds/42/missing.zip"), Is.Null);

            for (var i = 0; i < 1003; i++)
            {
                await store.CreateAsync($"ledger/{i:D4}.json", [(byte)(i % 256)]);
            }

            var listed = await store.ListAsync("ledger/");
            Assert.That(listed, Has.Count.EqualTo(1003), "pagination over more than one page");
            Assert.That(listed[0].Key, Is.EqualTo("ledger/0000.json"));

            await store.DeleteAsync("builds/42/api.zip");
            Assert.That(await store.HeadAsync("builds/42/api.zip"), Is.Null);
        }
        finally
        {
            AwsTestEnvironment.UseEnvironmentCredentials();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
