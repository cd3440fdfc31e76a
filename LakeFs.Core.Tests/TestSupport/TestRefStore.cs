namespace LakeFs.Core.Tests.TestSupport;

/// <summary>Which ref store a repository-level fixture runs on.</summary>
public enum RefStoreKind
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// The ref store of one test: SQLite in the repository's folder (what <see cref="Repository.LocalOptions"/> gives), or a
/// fresh PostgreSQL schema (the test is ignored without a server, failed under CI) dropped at <see cref="Dispose"/>.
/// </summary>
internal sealed class TestRefStore : IDisposable
{
    private readonly LakeFs.RefStore.PostgreSql.PostgreSqlRefStoreOptions? _postgres;

    public TestRefStore(RefStoreKind kind)
    {
        Kind = kind;
        _postgres = kind == RefStoreKind.PostgreSql ? PostgreSqlServer.FreshOptions() : null;
    }

    public RefStoreKind Kind { get; }

    /// <summary>Options of a repository in <paramref name="folder"/> (objects in it) with this ref store, small trees.</summary>
    public RepositoryOptions Local(string folder, TimeProvider? time = null)
    {
        var options = Repository.LocalOptions(folder) with { Tree = TestRepositories.SmallTree, TimeProvider = time ?? TimeProvider.System };
        return _postgres is null ? options : options with { RefStore = _postgres };
    }

    /// <summary>The ref store's options for a repository whose objects are elsewhere; SQLite in <paramref name="folder"/>.</summary>
    public RefStoreOptions Options(string folder) =>
        _postgres ?? (RefStoreOptions)new SqliteRefStoreOptions(Path.Combine(folder, "refs.db"));

    /// <summary>Drops the PostgreSQL schema; every repository on it must be disposed first.</summary>
    public void Dispose()
    {
        if (_postgres is not null)
        {
            PostgreSqlServer.DropSchema(_postgres);
        }
    }
}
