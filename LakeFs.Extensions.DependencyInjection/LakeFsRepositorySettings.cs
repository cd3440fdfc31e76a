using System.Globalization;
using LakeFs.Core.Model;
using Microsoft.Extensions.Configuration;

namespace LakeFs.Extensions.DependencyInjection;

/// <summary>
/// Where a registered repository lives and how it is opened: a configuration section such as
/// <c>"LakeFs": { "Path": "/data/lake" }</c> or <c>"LakeFs": { "Store": "s3://bucket/lake", "RefsPath": "/var/lib/lake/refs.db" }</c>.
/// Exactly one of <see cref="Path"/> and <see cref="Store"/> is set.
/// </summary>
public sealed class LakeFsRepositorySettings
{
    /// <summary>
    /// A local folder holding the whole repository: objects under <c>objects/</c> and the refs in <c>refs.db</c>, as
    /// <see cref="Core.Repository.CreateAsync(string, CancellationToken)"/> lays it out. A relative path is relative to
    /// the host's content root (<c>IHostEnvironment.ContentRootPath</c>), or to the current folder without a host.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// The location of the repository's objects on another object store, a <c>scheme://</c> location such as <c>s3://bucket/prefix</c>,
    /// <c>az://container/prefix</c> or <c>gs://bucket/prefix</c>. The store is built by the factory given to
    /// <see cref="LakeFsRepositoryBuilder.WithObjectStore"/>, which receives this value.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>
    /// The SQLite file of the refs when <see cref="Store"/> is set (ignored with <see cref="Path"/>, whose refs are in
    /// its folder), relative to the content root like <see cref="Path"/>. Not needed when
    /// <see cref="LakeFsRepositoryBuilder.WithRefStore"/> supplies the ref store (PostgreSQL).
    /// </summary>
    public string? RefsPath { get; set; }

    /// <summary>Creates the repository when the location holds none (default false: a missing repository is an error).</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>The default branch of a repository created here; null for the library's default ("main").</summary>
    public string? DefaultBranch { get; set; }

    /// <summary>The committer recorded on commits; null for the library's default.</summary>
    public string? Committer { get; set; }

    /// <summary>What an acknowledged write survives (<see cref="Durability.ProcessCrash"/> by default).</summary>
    public Durability Durability { get; set; } = Durability.ProcessCrash;

    /// <summary>
    /// Reads the settings from a configuration section: the keys <c>Path</c>, <c>Store</c>, <c>RefsPath</c>,
    /// <c>CreateIfMissing</c> (true or false), <c>DefaultBranch</c>, <c>Committer</c> and <c>Durability</c>
    /// (<c>ProcessCrash</c> or <c>PowerLoss</c>). Other keys are refused, so a misspelt one is not silently ignored.
    /// </summary>
    /// <exception cref="InvalidOperationException">A key is unknown or a value is not valid; the message names the key.</exception>
    public static LakeFsRepositorySettings FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var where = section is IConfigurationSection s ? $"'{s.Path}'" : "the configuration";
        var settings = new LakeFsRepositorySettings();
        foreach (var child in section.GetChildren())
        {
            var value = child.Value;
            switch (child.Key.ToUpperInvariant())
            {
                case "PATH": settings.Path = value; break;
                case "STORE": settings.Store = value; break;
                case "REFSPATH": settings.RefsPath = value; break;
                case "DEFAULTBRANCH": settings.DefaultBranch = value; break;
                case "COMMITTER": settings.Committer = value; break;
                case "CREATEIFMISSING":
                    settings.CreateIfMissing = bool.TryParse(value, out var create)
                        ? create
                        : throw Invalid(where, child.Key, value, "true or false");
                    break;
                case "DURABILITY":
                    settings.Durability = Enum.TryParse<Durability>(value, ignoreCase: true, out var durability) && Enum.IsDefined(durability)
                        && !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                        ? durability
                        : throw Invalid(where, child.Key, value, string.Join(" or ", Enum.GetNames<Durability>()));
                    break;
                default:
                    throw new InvalidOperationException(
                        $"The LakeFs setting '{child.Key}' in {where} is unknown. Known settings: Path, Store, RefsPath, CreateIfMissing, DefaultBranch, Committer, Durability.");
            }
        }
        settings.Validate(where);
        return settings;
    }

    /// <summary>Checks that the settings name one repository location.</summary>
    /// <exception cref="InvalidOperationException">Neither or both of Path and Store are set, Store is no <c>scheme://</c> location, or a value is blank.</exception>
    internal void Validate(string where)
    {
        var hasPath = !string.IsNullOrWhiteSpace(Path);
        var hasStore = !string.IsNullOrWhiteSpace(Store);
        if (hasPath == hasStore)
        {
            throw new InvalidOperationException(hasPath
                ? $"The LakeFs settings in {where} set both Path ('{Path}') and Store ('{Store}'). Set Path for a repository in a local folder, or Store for one on another object store, not both."
                : $"The LakeFs settings in {where} set neither Path nor Store. Set Path to a local folder (\"Path\": \"/data/lake\"), or Store to a location such as s3://bucket/prefix.");
        }
        if (hasStore && !HasScheme(Store!))
        {
            throw new InvalidOperationException(
                $"The LakeFs setting Store in {where} is '{Store}', which is not a location such as s3://bucket/prefix. For a repository in a local folder, set Path instead.");
        }
        if (DefaultBranch is not null && string.IsNullOrWhiteSpace(DefaultBranch))
        {
            throw new InvalidOperationException($"The LakeFs setting DefaultBranch in {where} is blank. Remove it for the default (\"main\") or name a branch.");
        }
        if (!Enum.IsDefined(Durability))
        {
            throw new InvalidOperationException($"The LakeFs setting Durability in {where} is {(int)Durability}, which is no Durability value.");
        }
    }

    /// <summary>Whether a location starts with a scheme and "://" (a drive letter such as <c>C:\</c> is none).</summary>
    private static bool HasScheme(string location)
    {
        var end = location.IndexOf("://", StringComparison.Ordinal);
        return end > 1 && Uri.CheckSchemeName(location[..end]);
    }

    private static InvalidOperationException Invalid(string where, string key, string? value, string expected) =>
        new($"The LakeFs setting '{key}' in {where} is '{value}', which is not valid: expected {expected}.");
}
