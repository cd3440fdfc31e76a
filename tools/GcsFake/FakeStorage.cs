namespace GcsFake;

/// <summary>Buckets, objects and pending uploads, all in memory, behind one lock.</summary>
internal sealed class FakeStorage
{
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingUpload> _uploads = new(StringComparer.Ordinal);
    private long _generation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public object Gate { get; } = new();

    public bool CreateBucket(string name)
    {
        lock (Gate)
        {
            return _buckets.TryAdd(name, new SortedDictionary<string, StoredObject>(Utf8Order.Instance));
        }
    }

    public bool HasBucket(string name)
    {
        lock (Gate)
        {
            return _buckets.ContainsKey(name);
        }
    }

    public StoredObject? Get(string bucket, string name)
    {
        lock (Gate)
        {
            return _buckets.TryGetValue(bucket, out var objects) && objects.TryGetValue(name, out var found) ? found : null;
        }
    }

    public bool Delete(string bucket, string name)
    {
        lock (Gate)
        {
            return _buckets.TryGetValue(bucket, out var objects) && objects.Remove(name);
        }
    }

    /// <summary>Stores an object; returns null when the bucket is missing, and throws <see cref="PreconditionFailedException"/> on a failed ifGenerationMatch.</summary>
    public StoredObject? Put(string bucket, string name, byte[] data, string? contentType, long? ifGenerationMatch)
    {
        lock (Gate)
        {
            if (!_buckets.TryGetValue(bucket, out var objects))
            {
                return null;
            }
            objects.TryGetValue(name, out var existing);
            if (ifGenerationMatch is { } expected && (existing?.Generation ?? 0) != expected)
            {
                throw new PreconditionFailedException();
            }
            var stored = new StoredObject(bucket, name, data, ++_generation, contentType, DateTimeOffset.UtcNow);
            objects[name] = stored;
            return stored;
        }
    }

    /// <summary>One page of a listing: objects and (with a delimiter) prefixes, in UTF-8 order.</summary>
    public (List<StoredObject> Items, List<string> Prefixes, string? Next)? List(
        string bucket, string prefix, string? delimiter, string? startOffset, string? endOffset, string? pageToken, int maxResults)
    {
        lock (Gate)
        {
            if (!_buckets.TryGetValue(bucket, out var objects))
            {
                return null;
            }
            var items = new List<StoredObject>();
            var prefixes = new List<string>();
            string? last = null;
            var comparer = Utf8Order.Instance;
            foreach (var (name, stored) in objects)
            {
                if (!name.StartsWith(prefix, StringComparison.Ordinal)
                    || (startOffset is not null && comparer.Compare(name, startOffset) < 0)
                    || (pageToken is not null && comparer.Compare(name, pageToken) <= 0))
                {
                    continue;
                }
                if (endOffset is not null && comparer.Compare(name, endOffset) >= 0)
                {
                    break;
                }
                if (items.Count + prefixes.Count >= maxResults)
                {
                    return (items, prefixes, last);
                }
                int cut = string.IsNullOrEmpty(delimiter) ? -1 : name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    var common = name[..(cut + delimiter!.Length)];
                    if (prefixes.Count == 0 || prefixes[^1] != common)
                    {
                        prefixes.Add(common);
                    }
                }
                else
                {
                    items.Add(stored);
                }
                last = name;
            }
            return (items, prefixes, null);
        }
    }

    public string StartUpload(PendingUpload upload)
    {
        var id = Guid.NewGuid().ToString("N");
        lock (Gate)
        {
            _uploads[id] = upload;
        }
        return id;
    }

    public PendingUpload? FindUpload(string id)
    {
        lock (Gate)
        {
            return _uploads.GetValueOrDefault(id);
        }
    }

    public void EndUpload(string id)
    {
        lock (Gate)
        {
            _uploads.Remove(id);
        }
    }
}
