using System.Text;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>An in-memory sorted change stream (null value = tombstone) for driving tree code directly.</summary>
internal sealed class ListCursor : EntryCursor
{
    private readonly List<(byte[] Key, byte[]? Value)> _items;
    private int _index = -1;

    public ListCursor(IEnumerable<(string Path, Entry? Entry)> items)
    {
        _items = [.. items
            .Select(i => (Encoding.UTF8.GetBytes(i.Path), i.Entry is null ? null : EntryCodec.Encode(i.Entry)))
            .OrderBy(i => i.Item1, ByteKeyComparer.Instance)];
    }

    public override ReadOnlyMemory<byte> Key => _items[_index].Key;

    public override ReadOnlyMemory<byte> Value => _items[_index].Value;

    public override bool IsTombstone => _items[_index].Value is null;

    public override ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken) => ValueTask.FromResult(++_index < _items.Count);

    public static Entry NewEntry(string checksum, long size = 4096) =>
        new("data/x/" + checksum, size, checksum, Entry.DefaultContentType, Entry.NoMetadata, DateTimeOffset.UnixEpoch);
}
