namespace LakeFs.Core.Errors;

/// <summary>
/// A pre-hook tried to move the head of the branch whose update it guards (commit, merge, revert, cherry-pick or reset
/// of that branch): the update holds the branch until its pre-hooks finish, so the call would wait for itself. Puts
/// and deletes of objects are allowed (they land after the update); a change of the head belongs in a post-hook.
/// </summary>
public sealed class HookReentrancyException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public HookReentrancyException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public HookReentrancyException(string message, Exception? innerException) : base(message, innerException) { }
}
