using LakeFs.Core.Model;

namespace LakeFs.Gateway.Hosting;

/// <summary>One served repository in the config file: a local repository folder.</summary>
internal sealed class RepositoryConfig
{
    /// <summary>The repository folder (refs.db and objects/); relative paths are relative to the config file.</summary>
    public string Path { get; set; } = "";

    /// <summary>Create the repository when the folder holds none.</summary>
    public bool Create { get; set; }

    public Durability Durability { get; set; } = Durability.ProcessCrash;
}
