using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>rclone: copy a folder tree to a branch and back, and rclone check (sizes and MD5 hashes) both ways.</summary>
[Category("Clients")]
public sealed class RcloneTests : ClientFixture
{
    [SetUp]
    public void RequireRclone() => CommandLine.Require("rclone", "rclone");

    [Test]
    public async Task Copy_and_check_a_folder_tree()
    {
        var source = Scratch.Combine("source");
        FolderTree.Write(source, 18, seed: 4);
        var back = Scratch.Combine("back");

        await RcloneAsync("copy", source, "gw:lake/main/rclone");
        await RcloneAsync("check", source, "gw:lake/main/rclone");
        await RcloneAsync("copy", "gw:lake/main/rclone", back);

        FolderTree.AssertSame(source, back);
    }

    private Task<string> RcloneAsync(params string[] arguments)
    {
        var environment = new Dictionary<string, string>(Environment)
        {
            ["RCLONE_CONFIG"] = Scratch.Combine("rclone.conf"),
            ["RCLONE_CONFIG_GW_TYPE"] = "s3",
            ["RCLONE_CONFIG_GW_PROVIDER"] = "Other",
            ["RCLONE_CONFIG_GW_ACCESS_KEY_ID"] = GatewayServer.AccessKeyId,
            ["RCLONE_CONFIG_GW_SECRET_ACCESS_KEY"] = GatewayServer.SecretAccessKey,
            ["RCLONE_CONFIG_GW_ENDPOINT"] = Server.Endpoint,
            ["RCLONE_CONFIG_GW_FORCE_PATH_STYLE"] = "true",
            ["RCLONE_CONFIG_GW_REGION"] = "us-east-1",
        };
        return CommandLine.CheckAsync("rclone", [.. arguments, "--s3-no-check-bucket"], environment);
    }
}
