namespace LakeFs.Core.Errors;

/// <summary>
/// An import names, or an imported object was imported from, an import source that is not registered in
/// <see cref="RepositoryOptions.ImportSources"/> of this repository instance.
/// </summary>
public sealed class ImportSourceNotFoundException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public ImportSourceNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ImportSourceNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
