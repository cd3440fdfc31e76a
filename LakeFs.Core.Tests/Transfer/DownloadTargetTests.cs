using LakeFs.Core.Errors;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Core.Transfer;

namespace LakeFs.Core.Tests.Transfer;

/// <summary>Where a download may write: beneath its folder only, whatever the object path says.</summary>
public sealed class DownloadTargetTests
{
    [TestCase("..")]
    [TestCase("../escape.txt")]
    [TestCase("a/../../escape.txt")]
    [TestCase("a/./b")]
    [TestCase("a//b")]
    [TestCase("")]
    [TestCase("a/")]
    public void A_path_that_does_not_name_a_file_beneath_the_folder_is_refused(string relative)
    {
        using var temp = new TempDirectory();
        var target = DownloadTarget.Prepare(temp.Combine("t"), overwrite: false);

        Assert.Throws<InvalidPathException>(() => target.LocalPathOf(relative));
    }

    [Test]
    public void A_path_maps_beneath_the_folder_segment_by_segment()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("t");
        var target = DownloadTarget.Prepare(root, overwrite: false);

        Assert.That(target.LocalPathOf("a/b c/..d"), Is.EqualTo(Path.Combine(root, "a", "b c", "..d")));
        Assert.That(Directory.Exists(root), Is.True);
    }

    [Test]
    public void A_backslash_cannot_become_a_separator_on_windows()
    {
        Assume.That(OperatingSystem.IsWindows(), "on Unix a backslash is an ordinary character of a file name");
        using var temp = new TempDirectory();
        var target = DownloadTarget.Prepare(temp.Combine("t"), overwrite: false);

        Assert.Throws<InvalidPathException>(() => target.LocalPathOf("a\\..\\..\\escape.txt"));
    }
}
