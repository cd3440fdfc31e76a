namespace LakeFs.Core.Graveler;

/// <summary>A thread-safe least-recently-used cache bounded by the summed cost (bytes) of its values.</summary>
internal sealed class LruCache<TKey, TValue>(long capacity, Func<TValue, long> cost)
    where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value, long Cost)>> _map = [];
    private readonly LinkedList<(TKey Key, TValue Value, long Cost)> _order = new();
    private readonly Lock _lock = new();
    private long _size;

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    public void Add(TKey key, TValue value)
    {
        var c = cost(value);
        if (c > capacity)
        {
            return;
        }
        lock (_lock)
        {
            if (_map.Remove(key, out var old))
            {
                _order.Remove(old);
                _size -= old.Value.Cost;
            }
            _map[key] = _order.AddFirst((key, value, c));
            _size += c;
            while (_size > capacity && _order.Last is { } last)
            {
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                _size -= last.Value.Cost;
            }
        }
    }
}
