using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;

namespace LakeFs.Core.Tests.Hooks;

public sealed class RefPatternTests
{
    [TestCase("main", "main", true)]
    [TestCase("main", "main2", false)]
    [TestCase("main", "mai", false)]
    [TestCase("*", "anything/at/all", true)]
    [TestCase("release-*", "release-1.2", true)]
    [TestCase("release-*", "release-", true)]
    [TestCase("release-*", "pre-release-1", false)]
    [TestCase("*-hotfix", "v1-hotfix", true)]
    [TestCase("*-hotfix", "v1-hotfix2", false)]
    [TestCase("team/*/prod", "team/a/b/prod", true)]
    [TestCase("team/*/prod", "team/a/prod/x", false)]
    [TestCase("v?", "v1", true)]
    [TestCase("v?", "v12", false)]
    [TestCase("a*b*c", "aXbYbZc", true)]
    [TestCase("a*b*c", "aXbYbZ", false)]
    public void Matches_whole_names(string glob, string name, bool expected) =>
        Assert.That(RefPattern.Parse(glob).IsMatch(name), Is.EqualTo(expected));

    [TestCase("main branch")]
    [TestCase("a[bc]")]
    [TestCase("x\\y")]
    public void Refuses_characters_no_branch_name_has(string glob) =>
        Assert.Throws<InvalidNameException>(() => RefPattern.Parse(glob));
}
