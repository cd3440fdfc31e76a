namespace LakeFs.Core.Hooks;

/// <summary>
/// The hooks of one <see cref="Repository"/> instance (<see cref="Repository.Hooks"/>): C# callbacks that run in the
/// process performing an operation, before it (and can stop it) or after it. Register them right after opening the
/// repository; another <see cref="Repository"/> instance, or another process, runs only its own hooks.
/// <para>
/// Hooks of one event run one after the other in registration order; the first pre-hook that fails stops the
/// operation with <see cref="Errors.HookFailedException"/>. Each run is limited by its timeout: its token is cancelled
/// then, and a hook that ignores the token is no longer waited for. Thread-safe: registering or removing a hook while
/// operations run affects the operations that start afterwards. With no hook registered for an event, an operation
/// pays one array-length check for it.
/// </para>
/// </summary>
/// <example>
/// <code>
/// repo.Hooks.On(HookEvent.PreMerge, "no-empty-csv", async (context, token) =>
/// {
///     await foreach (var change in context.GetChangesAsync(token))
///     {
///         if (change.Right is { Size: 0 } &amp;&amp; change.Path.EndsWith(".csv"))
///         {
///             return HookResult.Fail($"{change.Path} is empty");
///         }
///     }
///     return HookResult.Success;
/// }, branches: "main");
/// </code>
/// </example>
public sealed class RepositoryHooks
{
    /// <summary>The timeout of a hook registered without one.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    private static readonly int EventCount = Enum.GetValues<HookEvent>().Length;

    private readonly Lock _lock = new();
    private Registration[][] _byEvent;

    internal RepositoryHooks()
    {
        _byEvent = new Registration[EventCount][];
        for (var i = 0; i < EventCount; i++)
        {
            _byEvent[i] = [];
        }
    }

    /// <summary>
    /// Registers a hook. The handler gets what the operation is about to do (<see cref="HookContext"/>) and a token
    /// cancelled at its timeout or when the caller cancels; it returns <see cref="HookResult.Success"/> or
    /// <see cref="HookResult.Fail"/>. A handler that throws fails with the exception's message.
    /// </summary>
    /// <param name="event">When it runs.</param>
    /// <param name="name">Names the hook in errors, logs and the audit log; unique among this repository's hooks.</param>
    /// <param name="handler">The check.</param>
    /// <param name="branches">
    /// A glob over the names the operation is about (<c>main</c>, <c>release-*</c>, <c>*</c> for all): the branch
    /// for branch events and head moves, the tag for tag events. Other names do not run the hook.
    /// </param>
    /// <param name="timeout">How long a run may take (default <see cref="DefaultTimeout"/>); past it the run fails.</param>
    /// <returns>Dispose it to remove the hook.</returns>
    /// <exception cref="ArgumentException">The name is empty or taken.</exception>
    /// <exception cref="Errors.InvalidNameException">The pattern has a character no branch name has.</exception>
    public IDisposable On(
        HookEvent @event, string name, Func<HookContext, CancellationToken, ValueTask<HookResult>> handler,
        string branches = "*", TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!Enum.IsDefined(@event))
        {
            throw new ArgumentOutOfRangeException(nameof(@event), @event, "Not a hook event.");
        }
        var limit = timeout ?? DefaultTimeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A hook timeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
        var registration = new Registration(this, @event, name, handler, RefPattern.Parse(branches), limit);
        lock (_lock)
        {
            if (_byEvent.Any(list => list.Any(r => r.Name == name)))
            {
                throw new ArgumentException($"A hook named '{name}' is registered already; hook names identify hooks in errors and the audit log, so they must be unique.", nameof(name));
            }
            var copy = (Registration[][])_byEvent.Clone();
            copy[(int)@event] = [.. copy[(int)@event], registration];
            Volatile.Write(ref _byEvent, copy);
        }
        return registration;
    }

    /// <summary>Removes the hook registered under <paramref name="name"/>; false when there is none.</summary>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock)
        {
            var copy = (Registration[][])_byEvent.Clone();
            for (var i = 0; i < copy.Length; i++)
            {
                var kept = copy[i].Where(r => r.Name != name).ToArray();
                if (kept.Length != copy[i].Length)
                {
                    copy[i] = kept;
                    Volatile.Write(ref _byEvent, copy);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>The names of the hooks registered for <paramref name="event"/>, in the order they run.</summary>
    public IReadOnlyList<string> Registered(HookEvent @event) => [.. For(@event).Select(r => r.Name)];

    /// <summary>The hooks of an event, in registration order (a snapshot; empty for none).</summary>
    internal Registration[] For(HookEvent @event) => Volatile.Read(ref _byEvent)[(int)@event];

    /// <summary>Whether any hook of <paramref name="event"/> applies to <paramref name="name"/>; no allocation.</summary>
    internal bool Any(HookEvent @event, string name)
    {
        foreach (var registration in For(@event))
        {
            if (registration.Pattern.IsMatch(name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One registered hook; disposing it removes it.</summary>
    internal sealed class Registration(
        RepositoryHooks owner, HookEvent @event, string name, Func<HookContext, CancellationToken, ValueTask<HookResult>> handler,
        RefPattern pattern, TimeSpan timeout) : IDisposable
    {
        public HookEvent Event { get; } = @event;

        public string Name { get; } = name;

        public Func<HookContext, CancellationToken, ValueTask<HookResult>> Handler { get; } = handler;

        public RefPattern Pattern { get; } = pattern;

        public TimeSpan Timeout { get; } = timeout;

        public void Dispose()
        {
            lock (owner._lock)
            {
                var copy = (Registration[][])owner._byEvent.Clone();
                copy[(int)Event] = [.. copy[(int)Event].Where(r => !ReferenceEquals(r, this))];
                Volatile.Write(ref owner._byEvent, copy);
            }
        }
    }
}
