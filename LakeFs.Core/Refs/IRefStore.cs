using LakeFs.Core.Errors;
using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// Where a repository keeps what changes: settings, branches, tags, commits and staged (uncommitted) entries. The
/// one seam between the facade and a database: nothing above <c>Refs/</c> sees SQL or a driver type. Every store
/// passes <c>RefStoreContractTests</c>.
/// <para>
/// Rules every implementation keeps:
/// every change is atomic; every move of a branch head is a compare-and-swap (<see cref="TryUpdateBranchAsync"/>);
/// a read that starts after a write was acknowledged (in any process or on any machine sharing the store) sees it;
/// a listing never holds a transaction or a pooled connection while its caller enumerates (it reads pages keyed by
/// the last key it returned), so it sees later writes to keys it has not reached yet and is not a snapshot.
/// Graph walks (<see cref="WalkHistoryAsync"/>, <see cref="FindMergeBasesAsync"/>) are operations of the store, so a
/// networked store can run them next to the data.
/// </para>
/// </summary>
internal interface IRefStore : IDisposable
{
    /// <summary>Names the store in messages (for SQLite its file).</summary>
    string Description { get; }

    // ---- repository

    /// <summary>Records the repository, its default branch and first commit, all at once; the store must be empty.</summary>
    ValueTask InitializeAsync(string repositoryId, string defaultBranch, Commit initial, CancellationToken cancellationToken);

    /// <summary>The repository's default branch.</summary>
    /// <exception cref="CorruptDataException">The store lacks the setting.</exception>
    ValueTask<string> GetDefaultBranchAsync(CancellationToken cancellationToken);

    /// <summary>Drops staged entries no branch refers to any more (left by a crash between a head move and its cleanup).</summary>
    ValueTask DropOrphanStagingAsync(CancellationToken cancellationToken);

    // ---- commits

    /// <summary>The commit, or null when the store has none with that id.</summary>
    ValueTask<Commit?> GetCommitAsync(string id, CancellationToken cancellationToken);

    /// <summary>Stores a commit; storing one that is there already changes nothing (ids are content hashes).</summary>
    ValueTask InsertCommitAsync(Commit commit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> ids starting with <paramref name="prefix"/>, in id order.</summary>
    ValueTask<IReadOnlyList<string>> FindCommitIdsAsync(string prefix, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="from"/> and its ancestors (only first parents when <paramref name="firstParent"/>), each once,
    /// newest first: by creation time, then generation.
    /// </summary>
    /// <exception cref="CorruptDataException">A commit on the way is missing.</exception>
    IAsyncEnumerable<Commit> WalkHistoryAsync(string from, bool firstParent, CancellationToken cancellationToken);

    /// <summary>
    /// Every best common ancestor of the commits <paramref name="left"/> (taken together, as the parents of one
    /// merge) and <paramref name="right"/>, in <see cref="MergeBase.Order"/>: one in a plain history, several in a
    /// criss-cross one, none when unrelated.
    /// </summary>
    ValueTask<IReadOnlyList<Commit>> FindMergeBasesAsync(IReadOnlyList<string> left, string right, CancellationToken cancellationToken);

    // ---- branches

    /// <summary>The branch, or null.</summary>
    ValueTask<BranchRecord?> GetBranchAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// A fast pre-check for writes: whether the branch exists. May answer true for a branch another process deleted
    /// a moment ago; <see cref="StageAsync"/> checks again in its own transaction.
    /// </summary>
    ValueTask<bool> BranchExistsAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every branch, by name (ordinal).</summary>
    IAsyncEnumerable<BranchRecord> ListBranchesAsync(CancellationToken cancellationToken);

    /// <summary>Creates a branch at <paramref name="head"/> with an empty staging area.</summary>
    /// <exception cref="BranchAlreadyExistsException">A branch has the name.</exception>
    /// <exception cref="TagAlreadyExistsException">A tag has the name (branches and tags share one namespace).</exception>
    /// <exception cref="CommitExpiredException"><paramref name="head"/> is marked expired (checked in the same transaction as the insert).</exception>
    /// <param name="name">The branch.</param>
    /// <param name="head">Its first head.</param>
    /// <param name="audit">Appended to the audit log in the same transaction (its sequence is assigned); null for none.</param>
    /// <param name="cancellationToken">Cancels before the write.</param>
    ValueTask CreateBranchAsync(string name, string head, AuditRecord? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a branch and its staged entries. <paramref name="audit"/>, when given, is appended in the same
    /// transaction with <see cref="AuditRecord.Before"/> set to the head the branch had in it.
    /// </summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    ValueTask DeleteBranchAsync(string name, AuditRecord? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Freezes the branch's staging area and gives it a fresh one, atomically: later writes go to the fresh area,
    /// and the returned record's <see cref="BranchRecord.FrozenTokens"/> hold everything staged before.
    /// </summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    ValueTask<BranchRecord> FreezeStagingAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// The compare-and-swap every move of a branch head goes through: when the branch's head is still
    /// <see cref="BranchUpdate.ExpectedHead"/> and every token of <see cref="BranchUpdate.Retire"/> is still frozen on
    /// it, atomically stores <see cref="BranchUpdate.NewCommit"/> (when given), moves the head to
    /// <see cref="BranchUpdate.NewHead"/>, retires the tokens (their entries are dropped) and appends
    /// <see cref="BranchUpdate.Audit"/> (when given) to the audit log. With <see cref="BranchUpdate.Trim"/> (a partial
    /// commit) every token of <see cref="StagedSelection.Tokens"/> must be frozen on the branch too; in the same
    /// transaction their rows at keys in <see cref="StagedSelection.Ranges"/> are deleted, rows elsewhere stay (frozen,
    /// read as staged), and a token left with no row is retired. False, with nothing changed (no audit record
    /// either), otherwise: a lost race never leaves a record.
    /// </summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    /// <exception cref="CommitExpiredException">
    /// The head would move to a commit marked expired (checked in the same transaction; a head that stays, retiring only, is not checked).
    /// </exception>
    ValueTask<bool> TryUpdateBranchAsync(BranchUpdate update, CancellationToken cancellationToken);

    // ---- tags

    /// <summary>The commit id the tag names, or null.</summary>
    ValueTask<string?> GetTagAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every tag, by name (ordinal).</summary>
    IAsyncEnumerable<TagInfo> ListTagsAsync(CancellationToken cancellationToken);

    /// <summary>Creates a tag, appending <paramref name="audit"/> (when given) in the same transaction.</summary>
    /// <exception cref="TagAlreadyExistsException">A tag has the name.</exception>
    /// <exception cref="BranchAlreadyExistsException">A branch has the name.</exception>
    /// <exception cref="CommitExpiredException">The commit is marked expired (checked in the same transaction as the insert).</exception>
    ValueTask CreateTagAsync(string name, string commitId, AuditRecord? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a tag; false when there was none (and no record is appended). <paramref name="audit"/>, when given, is
    /// appended in the same transaction with <see cref="AuditRecord.Before"/> set to the commit the tag named.
    /// </summary>
    ValueTask<bool> DeleteTagAsync(string name, AuditRecord? audit, CancellationToken cancellationToken);

    // ---- staged entries

    /// <summary>
    /// Stages an entry (or a tombstone) in the branch's current staging area, checked and written in one transaction.
    /// Concurrent calls may share one (group commit). Returns when the write is durable at the store's durability.
    /// A branch that a branch-protection rule covers in that transaction gets no row (<see cref="StageResult.Protected"/>),
    /// so a rule acknowledged before the write began stops it whatever the caller checked earlier.
    /// </summary>
    Task<StageResult> StageAsync(StageRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The branch and the newest staged row at <paramref name="path"/> across its staging areas (current first, then
    /// frozen, newest first), read together: <see cref="StagedLookup.Found"/> with a null entry is a tombstone. Null
    /// when there is no such branch (the name may be a tag's), so a read by name costs one lookup whatever it names;
    /// <see cref="RefStoreExtensions.GetStagedAsync"/> throws instead.
    /// </summary>
    ValueTask<StagedLookup?> TryGetStagedAsync(string branch, byte[] path, CancellationToken cancellationToken);

    /// <summary>Whether any of the branch's staging areas holds a row (a row may change nothing).</summary>
    ValueTask<bool> HasStagedAsync(BranchRecord branch, CancellationToken cancellationToken);

    /// <summary>The rows of one staging area from <paramref name="from"/> on, in path (byte) order, read a page at a time.</summary>
    IAsyncEnumerable<StagedRow> ScanStagedAsync(long token, byte[] from, CancellationToken cancellationToken);

    /// <summary>Drops the branch's staged rows at paths in [<paramref name="from"/>, <paramref name="to"/>), in every staging area; returns how many.</summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    ValueTask<int> DropStagedAsync(string branch, byte[] from, byte[] to, CancellationToken cancellationToken);

    // ---- branch protection

    /// <summary>
    /// Adds a branch-protection rule (a glob, already checked by the caller); false, with nothing changed, when a rule
    /// with that exact pattern exists. Once this returns, <see cref="GetBranchProtectionAsync"/> in every process and
    /// on every machine sharing the store returns the rule. A store must keep an older library that does not know
    /// rules from opening it once it holds one (SQLite: format version 2).
    /// </summary>
    /// <param name="pattern">The rule's glob.</param>
    /// <param name="created">Its creation time.</param>
    /// <param name="audit">Appended in the same transaction when the rule is added; null for none.</param>
    /// <param name="cancellationToken">Cancels before the write.</param>
    ValueTask<bool> AddBranchProtectionAsync(string pattern, DateTimeOffset created, AuditRecord? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the rule with exactly this pattern; false when there was none. Visible everywhere once it returns.
    /// <paramref name="audit"/> is appended in the same transaction when a rule is removed.
    /// </summary>
    ValueTask<bool> RemoveBranchProtectionAsync(string pattern, AuditRecord? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Every branch-protection rule, by pattern (ordinal). Called on every write, so it must be cheap: it may answer from
    /// memory only while it can tell that no rule changed since (SQLite: a counter shared through a mapped file), and
    /// it reflects every add and remove acknowledged before it was called, in any process.
    /// </summary>
    ValueTask<IReadOnlyList<BranchProtectionRule>> GetBranchProtectionAsync(CancellationToken cancellationToken);

    // ---- audit log

    /// <summary>
    /// Appends records that belong to no change of state (hook runs), in one transaction, in order. The store assigns
    /// each a <see cref="AuditRecord.Sequence"/> greater than any before it (the given one is ignored).
    /// </summary>
    ValueTask AppendAuditAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// The audit records that match <paramref name="filter"/>, by sequence, read a page at a time (keyed by the last
    /// sequence returned), so records appended while the caller enumerates may show. Sequences increase in commit
    /// order: a record never appears before one that committed earlier.
    /// </summary>
    IAsyncEnumerable<AuditRecord> ListAuditAsync(AuditFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// The last recorded move of a branch's head at or before <paramref name="time"/>: of the records with
    /// <see cref="AuditRecord.Ref"/> equal to <paramref name="branch"/> and an action in <see cref="HeadMoves.Actions"/>
    /// (a tag of the same name, before or after the branch, has other actions), the one with the latest
    /// <see cref="AuditRecord.Time"/> not after <paramref name="time"/>, the highest sequence among equal times; null
    /// when there is none. One index seek (ref, time), whatever the log's length: refs by time call it on every resolve.
    /// </summary>
    ValueTask<AuditRecord?> FindHeadMoveAsync(string branch, DateTimeOffset time, CancellationToken cancellationToken);

    // ---- retention and garbage collection

    /// <summary>The retention rules, or null when none are set.</summary>
    ValueTask<RetentionRules?> GetRetentionAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the retention rules as a whole, in one transaction; null removes them.</summary>
    ValueTask SetRetentionAsync(RetentionRules? rules, CancellationToken cancellationToken);

    /// <summary>
    /// The id of every stored commit that is not marked expired, in ordinal id order, read a page at a time (keyed by the
    /// last id returned), so commits inserted while the caller enumerates may show.
    /// </summary>
    IAsyncEnumerable<string> ListCommitIdsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Marks commits expired, in one transaction, and returns the ids it marked, in the order given: each id that is a
    /// stored commit, is not marked already, and is neither a branch's head nor a tag's commit at that moment (those
    /// are skipped, so a ref that was pointed at a commit just before keeps it). A mark is never removed; the commit's
    /// row stays (walks, merge bases and <see cref="GetCommitAsync"/> still read it). Once this returns,
    /// <see cref="IsCommitExpiredAsync"/> answers true in every process, and <see cref="CreateBranchAsync"/>,
    /// <see cref="CreateTagAsync"/> and <see cref="TryUpdateBranchAsync"/> refuse the commit. A store must keep an older
    /// library that does not know marks from opening it once it holds one (SQLite: format version 3).
    /// </summary>
    ValueTask<IReadOnlyList<string>> MarkCommitsExpiredAsync(IReadOnlyList<string> ids, DateTimeOffset time, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the commit is marked expired (false for an id the store does not hold). Called on reads by commit id,
    /// so it must be cheap; it reflects every mark acknowledged before it was called, in any process.
    /// </summary>
    ValueTask<bool> IsCommitExpiredAsync(string id, CancellationToken cancellationToken);

    /// <summary>The hour partitions of data objects (<c>yyyyMMddHH</c>) recorded as swept clean, in ordinal order.</summary>
    ValueTask<IReadOnlyList<string>> GetCleanPartitionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction, records the partitions of <paramref name="clean"/> as swept clean and forgets those of
    /// <paramref name="dirty"/> (a partition in both ends up not clean). Recording a recorded one, or forgetting an
    /// unknown one, changes nothing.
    /// </summary>
    ValueTask UpdatePartitionsAsync(IReadOnlyCollection<string> clean, IReadOnlyCollection<string> dirty, CancellationToken cancellationToken);
}
