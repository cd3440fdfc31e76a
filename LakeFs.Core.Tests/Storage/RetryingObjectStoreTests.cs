using System.Text;
using LakeFs.Storage;
using LakeFs.Storage.Memory;
using Polly;
using Polly.Retry;

namespace LakeFs.Core.Tests.Storage;

/// <summary>The contract holds through the retrying decorator.</summary>
[TestFixture]
public sealed class RetryingObjectStoreContractTests : ObjectStoreContractTests
{
    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new RetryingObjectStore(new MemoryObjectStore(), new ObjectStoreRetryOptions { BaseDelay = TimeSpan.Zero }));
}

[TestFixture]
public sealed class RetryingObjectStoreTests
{
    private static readonly ObjectStoreRetryOptions NoWait = new() { MaxAttempts = 3, BaseDelay = TimeSpan.Zero };

    [Test]
    public async Task A_transient_failure_is_retried_until_the_operation_succeeds()
    {
        var flaky = new FlakyObjectStore();
        var store = new RetryingObjectStore(flaky, NoWait);
        await store.PutAsync("k", new MemoryStream("v"u8.ToArray()));
        flaky.FailuresLeft = 2;

        var stat = await store.StatAsync("k");

        Assert.That(stat, Is.Not.Null);
        Assert.That(flaky.Stats, Is.EqualTo(3));
    }

    [Test]
    public void Attempts_are_bounded_and_the_last_failure_surfaces()
    {
        var flaky = new FlakyObjectStore { FailuresLeft = 10 };
        var store = new RetryingObjectStore(flaky, NoWait);

        Assert.That(async () => await store.DeleteAsync("k"), Throws.InstanceOf<TransientStorageException>());
        Assert.That(flaky.Deletes, Is.EqualTo(3));
    }

    [Test]
    public void Errors_that_are_not_transient_are_not_retried()
    {
        var flaky = new FlakyObjectStore();
        var store = new RetryingObjectStore(flaky, NoWait);

        Assert.That(async () => await store.OpenReadAsync("missing"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(flaky.Reads, Is.EqualTo(1));
    }

    [Test]
    public async Task A_put_from_a_seekable_stream_is_retried_from_where_it_started()
    {
        var flaky = new FlakyObjectStore { FailuresLeft = 1 };
        var store = new RetryingObjectStore(flaky, NoWait);
        var content = new MemoryStream(Encoding.UTF8.GetBytes("skip-keep")) { Position = 5 };

        await store.PutAsync("k", content);

        Assert.That(flaky.Puts, Is.EqualTo(2));
        await using var read = await store.OpenReadAsync("k");
        Assert.That(await new StreamReader(read).ReadToEndAsync(), Is.EqualTo("keep"));
    }

    [Test]
    public void A_put_from_a_stream_that_cannot_seek_is_not_retried()
    {
        var flaky = new FlakyObjectStore { FailuresLeft = 1 };
        var store = new RetryingObjectStore(flaky, NoWait);

        Assert.That(async () => await store.PutAsync("k", new NonSeekableStream("abc"u8.ToArray())), Throws.InstanceOf<TransientStorageException>());
        Assert.That(flaky.Puts, Is.EqualTo(1));
    }

    [Test]
    public async Task A_listing_that_fails_part_way_resumes_after_the_last_key_it_returned()
    {
        var flaky = new FlakyObjectStore();
        var store = new RetryingObjectStore(flaky, NoWait);
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            await store.PutAsync(key, new MemoryStream("v"u8.ToArray()));
        }
        flaky.ListFailsAfter = 2;
        flaky.FailuresLeft = 1;

        var keys = new List<string>();
        await foreach (var stat in store.ListAsync(""))
        {
            keys.Add(stat.Key);
        }

        Assert.That(keys, Is.EqualTo(new[] { "a", "b", "c", "d" }));
        Assert.That(flaky.ListStarts, Is.EqualTo(new[] { null, "b" }));
    }

    [Test]
    public async Task A_filtered_listing_that_fails_after_accepting_a_key_returns_it_and_offers_no_key_twice()
    {
        var flaky = new FlakyObjectStore();
        var store = new RetryingObjectStore(flaky, NoWait);
        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            await store.PutAsync(key, new MemoryStream("v"u8.ToArray()));
        }
        flaky.ListFailsAfter = 1;
        flaky.FailuresLeft = 1;
        var offered = new List<string>();

        var keys = new List<string>();
        await foreach (var stat in store.ListWhereAsync("", key =>
        {
            offered.Add(key);
            return key is "b" or "c" or "e";
        }))
        {
            keys.Add(stat.Key);
        }

        Assert.That(keys, Is.EqualTo(new[] { "b", "c", "e" }));
        Assert.That(offered, Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
        Assert.That(flaky.ListStarts, Is.EqualTo(new[] { null, "c" }), "the new listing starts after the key accepted when the first failed");
        Assert.That(flaky.Stats, Is.EqualTo(1), "that key is read alone");
    }

    [Test]
    public void Cancellation_stops_the_backoff()
    {
        var flaky = new FlakyObjectStore { FailuresLeft = 10 };
        var store = new RetryingObjectStore(flaky, new ObjectStoreRetryOptions { MaxAttempts = 10, BaseDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(1) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(async () => await store.StatAsync("k", cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(flaky.Stats, Is.LessThan(10));
    }

    [Test]
    public async Task Backoff_waits_on_the_given_clock_before_each_retry()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var flaky = new FlakyObjectStore { FailuresLeft = 2 };
        var store = new RetryingObjectStore(flaky, new ObjectStoreRetryOptions
        {
            MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), TimeProvider = clock,
        });

        var stat = store.StatAsync("k");
        await Task.Yield();
        Assert.That(flaky.Stats, Is.EqualTo(1), "waits before the second attempt");
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => flaky.Stats == 2);
        Assert.That(stat.IsCompleted, Is.False, "waits before the third attempt");
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.That(await stat, Is.Null);
        Assert.That(flaky.Stats, Is.EqualTo(3));
    }

    [Test]
    public async Task A_user_pipeline_decides_what_is_retried_and_how_often()
    {
        var retries = 0;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TransientStorageException>(),
                MaxRetryAttempts = 5,
                Delay = TimeSpan.Zero,
                OnRetry = _ =>
                {
                    retries++;
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        var flaky = new FlakyObjectStore();
        // MaxAttempts is the default pipeline's setting; the given pipeline replaces it.
        var store = new RetryingObjectStore(flaky, new ObjectStoreRetryOptions { Pipeline = pipeline, MaxAttempts = 2 });
        await store.PutAsync("k", new MemoryStream("v"u8.ToArray()));
        flaky.FailuresLeft = 5;

        Assert.That(await store.StatAsync("k"), Is.Not.Null);
        Assert.That(flaky.Stats, Is.EqualTo(6));
        Assert.That(retries, Is.EqualTo(5));
    }

    [Test]
    public void A_pipeline_without_retries_surfaces_the_first_transient_failure()
    {
        var flaky = new FlakyObjectStore { FailuresLeft = 1 };
        var store = new RetryingObjectStore(flaky, new ObjectStoreRetryOptions { Pipeline = ResiliencePipeline.Empty });

        Assert.That(async () => await store.DeleteAsync("k"), Throws.InstanceOf<TransientStorageException>());
        Assert.That(flaky.Deletes, Is.EqualTo(1));
    }

    [Test]
    public void The_default_pipeline_refuses_fewer_than_one_attempt()
    {
        Assert.That(() => new RetryingObjectStore(new FlakyObjectStore(), new ObjectStoreRetryOptions { MaxAttempts = 0 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>Waits for a retry the fake clock released to run on the thread pool, however loaded the machine is.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(10);
        }
        Assert.That(condition(), Is.True);
    }
}
