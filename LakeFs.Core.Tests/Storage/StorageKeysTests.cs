using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Storage;

namespace LakeFs.Core.Tests.Storage;

[TestFixture]
public sealed class StorageKeysTests
{
    [TestCase("a")]
    [TestCase("a/b/c.txt")]
    [TestCase(".hidden/..x/x..")]
    [TestCase("emoji/\U0001F600")]
    [TestCase("with space/and-dash")]
    public void Valid_keys_pass(string key)
    {
        Assert.That(StorageKeys.IsValid(key), Is.True);
        Assert.That(() => StorageKeys.Validate(key), Throws.Nothing);
    }

    [TestCaseSource(typeof(ObjectStoreContractTests), nameof(ObjectStoreContractTests.InvalidKeys))]
    public void Invalid_keys_fail_with_a_message_naming_the_rule(string key)
    {
        Assert.That(StorageKeys.IsValid(key), Is.False);
        Assert.That(() => StorageKeys.Validate(key), Throws.InstanceOf<InvalidStorageKeyException>().With.Message.StartWith("Invalid storage key"));
    }

    [Test]
    public void The_length_limit_counts_utf8_bytes_not_characters()
    {
        string fits = new('é', 512);
        string tooLong = new('é', 513);

        Assert.That(StorageKeys.IsValid(fits), Is.True);
        Assert.That(StorageKeys.IsValid(tooLong), Is.False);
    }

    [Test]
    public void A_nul_in_a_key_is_shown_escaped_in_the_message()
    {
        Assert.That(() => StorageKeys.Validate("a\0b"), Throws.InstanceOf<InvalidStorageKeyException>().With.Message.Contains("a\\u0000b"));
    }

    [TestCase("")]
    [TestCase("a")]
    [TestCase("a/")]
    [TestCase("data/ab")]
    [TestCase("a/.")]
    [TestCase("a/..")]
    public void Prefixes_that_can_begin_a_key_pass(string prefix)
    {
        Assert.That(() => StorageKeys.ValidatePrefix(prefix), Throws.Nothing);
    }

    [TestCaseSource(typeof(ObjectStoreContractTests), nameof(ObjectStoreContractTests.InvalidPrefixes))]
    public void Prefixes_no_key_can_begin_with_fail(string prefix)
    {
        Assert.That(() => StorageKeys.ValidatePrefix(prefix), Throws.InstanceOf<InvalidStorageKeyException>());
    }

    [Test]
    public void Characters_above_U_FFFF_sort_after_the_private_use_area_unlike_utf16_order()
    {
        const string Private = "\uE000";
        const string Emoji = "\U0001F600";

        Assert.That(string.CompareOrdinal(Emoji, Private), Is.LessThan(0), "UTF-16 order");
        Assert.That(StorageKeys.Compare(Emoji, Private), Is.GreaterThan(0), "UTF-8 order");
        Assert.That(StorageKeys.Comparer.Compare("a/b", "a0"), Is.LessThan(0));
        Assert.That(StorageKeys.Comparer.Compare("a", "a/"), Is.LessThan(0));
    }

    [Test]
    public void Comparer_agrees_with_comparing_utf8_bytes()
    {
        var codePoint = Gen.OneOf(
            Gen.Choose(0x20, 0x7F),
            Gen.Choose(0x80, 0x7FF),
            Gen.Choose(0xD000, 0xD7FF),
            Gen.Choose(0xE000, 0xFFFF),
            Gen.Choose(0x10000, 0x10FFFF));
        var text = codePoint.ListOf().Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));
        // Unrelated strings, a string and its extension, and two strings sharing a prefix.
        var pair = Gen.Zip(text.Three(), Gen.Choose(0, 2), (t, kind) => kind switch
        {
            0 => (Left: t.Item1, Right: t.Item2),
            1 => (Left: t.Item1, Right: t.Item1 + t.Item2),
            _ => (Left: t.Item1 + t.Item2, Right: t.Item1 + t.Item3),
        });

        Prop.ForAll(pair.ToArbitrary(), p =>
        {
            int expected = Math.Sign(Encoding.UTF8.GetBytes(p.Left).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(p.Right)));
            return Math.Sign(StorageKeys.Compare(p.Left, p.Right)) == expected
                && Math.Sign(StorageKeys.Compare(p.Right, p.Left)) == -expected;
        }).QuickCheckThrowOnFailure();
    }
}
