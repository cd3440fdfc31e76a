using LakeFs.Core.Errors;

namespace LakeFs.Core.Model;

/// <summary>
/// Where <see cref="Repository.ImportAsync"/> takes objects from: the objects under <see cref="Prefix"/> of the
/// repository's own object store (<see cref="Store"/> null) or of an import source registered in
/// <see cref="RepositoryOptions.ImportSources"/>.
/// </summary>
/// <param name="Store">The name of the import source; null for the repository's own object store.</param>
/// <param name="Prefix">The key prefix to import (every object whose key starts with it); empty for all.</param>
public sealed record ImportSource(string? Store, string Prefix)
{
    /// <summary>Objects under <paramref name="prefix"/> of the repository's own object store (outside <c>data/</c> and <c>_lakefs/</c>).</summary>
    public static ImportSource OwnStore(string prefix) => new(null, prefix);

    /// <summary>Objects under <paramref name="prefix"/> of the import source registered as <paramref name="store"/>.</summary>
    public static ImportSource Named(string store, string prefix) => new(store, prefix);

    /// <inheritdoc/>
    public override string ToString() => Store is null ? $"'{Prefix}' of the repository's store" : $"'{Prefix}' of import source '{Store}'";

    /// <summary>Names of import sources: 1-64 letters, digits, '-', '_' and '.'.</summary>
    internal static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new InvalidNameException($"'{name}' is not a valid import source name: use 1-64 letters, digits, '-', '_' and '.'.");
        }
    }
}
