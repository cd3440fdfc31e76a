namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// The tables of a repository's schema, as a list of migrations: migration <c>i</c> takes a schema from version
/// <c>i</c> to <c>i + 1</c>, and a schema's <c>schema_version</c> setting says how many it has had. A store creates
/// a schema with all of them, in the transaction that records the repository; an open applies those a schema made by
/// an earlier version lacks, and refuses a schema with a higher version than it knows.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>
    /// Version 1. Names are <c>COLLATE "C"</c> so they sort by code point (ordinal for the ASCII names refs allow) in
    /// any database; paths are <c>bytea</c>, which sorts by byte. Times are UTC ticks (commit ids hash all of them).
    /// The audit counter row is locked by every audit append until its transaction commits, so sequences increase in
    /// commit order (an identity column hands out values at insert, so two transactions could commit out of order).
    /// </summary>
    private const string Version1 = """
        CREATE TABLE settings(key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
        CREATE TABLE counters(name text COLLATE "C" PRIMARY KEY, value bigint NOT NULL);
        INSERT INTO counters(name, value) VALUES ('audit', 0);
        CREATE SEQUENCE staging_tokens AS bigint START 1;
        CREATE TABLE branches(name text COLLATE "C" PRIMARY KEY, head text NOT NULL, staging_token bigint NOT NULL, frozen_tokens bigint[] NOT NULL);
        CREATE TABLE tags(name text COLLATE "C" PRIMARY KEY, commit_id text NOT NULL);
        CREATE TABLE commits(id text COLLATE "C" PRIMARY KEY, parents text[] NOT NULL, metarange text NOT NULL, message text NOT NULL,
            committer text NOT NULL, created bigint NOT NULL, metadata text NOT NULL, generation bigint NOT NULL);
        CREATE TABLE staged(token bigint NOT NULL, path bytea NOT NULL, entry bytea, PRIMARY KEY(token, path));
        CREATE TABLE branch_protection(pattern text COLLATE "C" PRIMARY KEY, created bigint NOT NULL);
        CREATE TABLE audit_log(seq bigint PRIMARY KEY, time bigint NOT NULL, actor text NOT NULL, action text NOT NULL, ref text COLLATE "C" NOT NULL,
            before text, after text, detail text, hook text, hook_event text, hook_succeeded boolean, hook_duration bigint);
        CREATE INDEX audit_log_by_ref ON audit_log(ref, seq);
        CREATE INDEX audit_log_by_time ON audit_log(time);
        CREATE INDEX audit_log_by_ref_time ON audit_log(ref, time, seq);
        CREATE TABLE retention(branch text COLLATE "C" PRIMARY KEY, days bigint NOT NULL);
        CREATE TABLE expired_commits(id text COLLATE "C" PRIMARY KEY, expired bigint NOT NULL);
        CREATE TABLE gc_partitions(hour text COLLATE "C" PRIMARY KEY);
        """;

    /// <summary>Every migration of this version of the library, oldest first.</summary>
    public static IReadOnlyList<string> Migrations { get; } = [Version1];
}
