using LakeFs.Core.Model;
using LakeFs.Core.Verification;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Checks the repository's integrity, like <c>git fsck</c>: every commit reachable from a branch or tag (and
    /// its ancestors) is read and its id recomputed; every metarange and range file those commits use is read from
    /// the object store (not from a cache), once however many commits share it, hashed against its id and decoded
    /// (every block's checksum); every data object an entry names, committed or uncommitted, is checked for
    /// existence and size (<see cref="VerifyOptions.CheckObjects"/>), and for its SHA-256 when
    /// <see cref="VerifyOptions.CheckContent"/> is set. Nothing is changed or repaired.
    /// </summary>
    /// <remarks>
    /// Damage does not throw: each problem is in the report, naming the commit, the path and the file. A transient
    /// storage error (<see cref="LakeFs.Storage.TransientStorageException"/>) does throw, since it says nothing about
    /// the repository; run the check again. Writes made while it runs may or may not be seen.
    /// </remarks>
    /// <param name="options">What to check (default: everything but the data objects' content).</param>
    /// <param name="progress">Receives counts as the check goes (after each range file, and every 1,024 commits).</param>
    /// <param name="cancellationToken">Stops the check with <see cref="OperationCanceledException"/>.</param>
    public async Task<VerifyReport> VerifyAsync(
        VerifyOptions? options = null, IProgress<VerifyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        options ??= new VerifyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelism, 1, nameof(options.MaxParallelism));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxProblems, nameof(options.MaxProblems));
        if (options.CheckContent && !options.CheckObjects)
        {
            throw new ArgumentException($"{nameof(VerifyOptions.CheckContent)} needs {nameof(VerifyOptions.CheckObjects)}.", nameof(options));
        }
        var verifier = new RepositoryVerifier(_refs, ObjectStore, options, progress);
        return await verifier.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
