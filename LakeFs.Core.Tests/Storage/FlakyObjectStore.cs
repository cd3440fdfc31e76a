using System.Runtime.CompilerServices;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// A test double of the port: a memory store that counts calls and fails the next <see cref="FailuresLeft"/> calls
/// with a transient error (for listings: after <see cref="ListFailsAfter"/> items).
/// </summary>
internal sealed class FlakyObjectStore : IObjectStore
{
    private readonly MemoryObjectStore _inner = new();

    public int FailuresLeft { get; set; }

    public int ListFailsAfter { get; set; }

    public int Puts { get; private set; }

    public int Reads { get; private set; }

    public int Stats { get; private set; }

    public int Lists { get; private set; }

    public int Deletes { get; private set; }

    public List<string?> ListStarts { get; } = [];

    public Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        Puts++;
        if (TakeFailure())
        {
            // Consume part of the body first, as a failed upload would.
            content.ReadByte();
            throw new TransientStorageException("put failed");
        }
        return _inner.PutAsync(key, content, options, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        Reads++;
        return TakeFailure() ? throw new TransientStorageException("read failed") : _inner.OpenReadAsync(key, range, cancellationToken);
    }

    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        Stats++;
        return TakeFailure() ? throw new TransientStorageException("stat failed") : _inner.StatAsync(key, cancellationToken);
    }

    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Lists++;
        ListStarts.Add(startAfter);
        int yielded = 0;
        await foreach (var stat in _inner.ListAsync(prefix, startAfter, cancellationToken))
        {
            if (yielded == ListFailsAfter && TakeFailure())
            {
                throw new TransientStorageException("list failed");
            }
            yielded++;
            yield return stat;
        }
    }

    /// <summary>Offers each key to <paramref name="include"/> and fails right after accepting the item that <see cref="ListFailsAfter"/> counts.</summary>
    public async IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Lists++;
        ListStarts.Add(startAfter);
        int yielded = 0;
        await foreach (var stat in _inner.ListAsync(prefix, startAfter, cancellationToken))
        {
            if (!include(stat.Key))
            {
                continue;
            }
            if (yielded == ListFailsAfter && TakeFailure())
            {
                throw new TransientStorageException($"list failed after accepting '{stat.Key}'");
            }
            yielded++;
            yield return stat;
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Deletes++;
        return TakeFailure() ? throw new TransientStorageException("delete failed") : _inner.DeleteAsync(key, cancellationToken);
    }

    private bool TakeFailure()
    {
        if (FailuresLeft <= 0)
        {
            return false;
        }
        FailuresLeft--;
        return true;
    }
}
