using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.Storage.Memory;

/// <summary>The object-store contract run against <see cref="MemoryObjectStore"/>, plus what only it promises.</summary>
[TestFixture]
public sealed class MemoryObjectStoreTests : ObjectStoreContractTests
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new MemoryObjectStore());

    [Test]
    public async Task Changing_the_written_buffer_after_a_put_does_not_change_the_object()
    {
        byte[] bytes = [1, 2, 3];

        await Store.PutAsync("k", new MemoryStream(bytes));
        bytes[0] = 9;

        Assert.That(await ReadAllAsync("k"), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task Object_times_come_from_the_time_provider()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var store = new MemoryObjectStore(clock);

        var stat = await store.PutAsync("k", new MemoryStream([1]));

        Assert.That(stat.LastModified, Is.EqualTo(clock.GetUtcNow()));
        Assert.That((await store.StatAsync("k"))!.LastModified, Is.EqualTo(clock.GetUtcNow()));
    }
}
