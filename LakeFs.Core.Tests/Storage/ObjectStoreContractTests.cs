using System.Text;
using LakeFs.Storage;

namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// The behaviour every <see cref="IObjectStore"/> adapter must show. Each adapter's fixture subclasses this
/// and supplies a fresh, empty store per test.
/// </summary>
public abstract class ObjectStoreContractTests
{
    /// <summary>Creates a fresh, empty store for one test (called in [SetUp]).</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Cleans up after one test (called in [TearDown]); default does nothing.</summary>
    protected virtual Task DisposeStoreAsync(IObjectStore store) => Task.CompletedTask;

    protected IObjectStore Store { get; private set; } = null!;

    [SetUp]
    public async Task SetUpStoreAsync() => Store = await CreateStoreAsync();

    [TearDown]
    public async Task TearDownStoreAsync() => await DisposeStoreAsync(Store);

    public static readonly string[] InvalidKeys =
    [
        "", "/a", "a/", "a//b", ".", "..", "./a", "a/./b", "a/..", "../a", "a/../b",
        "a\\b", "\\a", "a\0b", "a\uD800", "a\uDC00b", new string('k', 1025),
    ];

    public static readonly string[] InvalidPrefixes = ["/", "/a", "a\\", "a\0", "../", "a/../", "./", "a//", "a/./b"];

    // ---- round trips -------------------------------------------------------------------------------------

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4096)]
    public async Task Put_then_read_returns_the_same_bytes(int size)
    {
        byte[] bytes = RandomBytes(size, seed: size);

        var stat = await Store.PutAsync("obj/bytes", new MemoryStream(bytes));

        Assert.That(stat.Key, Is.EqualTo("obj/bytes"));
        Assert.That(stat.Size, Is.EqualTo(size));
        Assert.That(await ReadAllAsync("obj/bytes"), Is.EqualTo(bytes));
    }

    [Test]
    public async Task Put_streams_several_megabytes_from_a_non_seekable_stream()
    {
        byte[] bytes = RandomBytes(3 * 1024 * 1024 + 17, seed: 3);

        var stat = await Store.PutAsync("big/object.bin", new NonSeekableStream(bytes));

        Assert.That(stat.Size, Is.EqualTo(bytes.Length));
        AssertSameBytes(await ReadAllAsync("big/object.bin"), bytes);
    }

    [Test]
    public async Task Put_reads_the_content_from_its_current_position()
    {
        var content = new MemoryStream(Encoding.UTF8.GetBytes("skip-keep"));
        content.Position = 5;

        await Store.PutAsync("k", content);

        Assert.That(await ReadTextAsync("k"), Is.EqualTo("keep"));
    }

    [Test]
    public async Task Put_accepts_a_key_of_exactly_the_maximum_length()
    {
        // Segments stay short: many file systems limit a name to 255 bytes.
        string key = string.Join('/', Enumerable.Range(0, 7).Select(i => new string((char)('a' + i), 127))) + "/" + new string('z', 128);
        Assert.That(Encoding.UTF8.GetByteCount(key), Is.EqualTo(StorageKeys.MaxKeyBytes));

        await PutTextAsync(key, "long");

        Assert.That(await ReadTextAsync(key), Is.EqualTo("long"));
    }

    [Test]
    public async Task Put_accepts_keys_with_dots_spaces_and_non_ascii_characters()
    {
        string[] keys = [".hidden", "a/..b", "a/b.", "with space/ü", "emoji/\U0001F600", "private/\uE000", "a/...", "a/~x"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key);
        }

        foreach (string key in keys)
        {
            Assert.That(await ReadTextAsync(key), Is.EqualTo(key));
        }
        Assert.That(await ListKeysAsync(""), Is.EqualTo(keys.Order(StorageKeys.Comparer)));
    }

    [Test]
    public async Task Put_without_condition_replaces_an_existing_object()
    {
        await PutTextAsync("k", "old content, longer");
        var stat = await PutTextAsync("k", "new");

        Assert.That(stat.Size, Is.EqualTo(3));
        Assert.That(await ReadTextAsync("k"), Is.EqualTo("new"));
        Assert.That((await Store.StatAsync("k"))!.Size, Is.EqualTo(3));
    }

    [Test]
    public async Task Put_if_none_match_creates_a_new_key()
    {
        var stat = await Store.PutAsync("fresh/key", Text("created"), new PutOptions { IfNoneMatch = true });

        Assert.That(stat.Size, Is.EqualTo(7));
        Assert.That(await ReadTextAsync("fresh/key"), Is.EqualTo("created"));
    }

    [Test]
    public async Task Put_if_none_match_on_an_existing_key_throws_and_keeps_the_old_object()
    {
        await PutTextAsync("taken", "old");

        Assert.That(
            async () => await Store.PutAsync("taken", Text("new"), new PutOptions { IfNoneMatch = true }),
            Throws.InstanceOf<StorageKeyExistsException>());
        Assert.That(await ReadTextAsync("taken"), Is.EqualTo("old"));
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "taken" }));
    }

    [Test]
    public async Task Concurrent_conditional_creates_of_one_key_let_exactly_one_win()
    {
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Store.PutAsync("race", Text("writer " + i), new PutOptions { IfNoneMatch = true });
                return i;
            }
            catch (StorageKeyExistsException)
            {
                return -1;
            }
        });

        int[] results = await Task.WhenAll(attempts);

        int[] winners = [.. results.Where(r => r >= 0)];
        Assert.That(winners, Has.Length.EqualTo(1));
        Assert.That(await ReadTextAsync("race"), Is.EqualTo("writer " + winners[0]));
    }

    // ---- ranged reads ------------------------------------------------------------------------------------

    [TestCase(2, 3L, "234")]
    [TestCase(0, 10L, "0123456789")]
    [TestCase(4, null, "456789")]
    [TestCase(7, 100L, "789")]
    [TestCase(9, 1L, "9")]
    [TestCase(10, 5L, "")]
    [TestCase(10, null, "")]
    [TestCase(25, 5L, "")]
    [TestCase(25, null, "")]
    [TestCase(3, 0L, "")]
    [TestCase(0, 0L, "")]
    public async Task Ranged_read_returns_the_range_cut_at_the_end(long offset, long? length, string expected)
    {
        await PutTextAsync("digits", "0123456789");

        await using var stream = await Store.OpenReadAsync("digits", new ByteRange(offset, length));
        using var reader = new StreamReader(stream, Encoding.UTF8);

        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Ranged_read_of_a_large_object_returns_exactly_the_range()
    {
        byte[] bytes = RandomBytes(1024 * 1024, seed: 11);
        await Store.PutAsync("large", new MemoryStream(bytes));

        await using var stream = await Store.OpenReadAsync("large", new ByteRange(300_001, 200_000));
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        AssertSameBytes(copy.ToArray(), bytes.AsSpan(300_001, 200_000).ToArray());
    }

    [Test]
    public async Task Reads_of_every_size_and_seeks_return_the_right_bytes()
    {
        byte[] bytes = RandomBytes(20_000, seed: 12);
        await Store.PutAsync("mixed", new MemoryStream(bytes));
        byte[] expected = bytes.AsSpan(100, 15_000).ToArray();

        await using var stream = await Store.OpenReadAsync("mixed", new ByteRange(100, 15_000));
        var read = new List<byte>();
        int[] sizes = [1, 7, 4096, 3, 5000, 1, 4095, 64];
        for (int i = 0; read.Count < expected.Length; i++)
        {
            if (i % 5 == 4)
            {
                int b = stream.ReadByte();
                Assert.That(b, Is.Not.EqualTo(-1), "ReadByte before the end");
                read.Add((byte)b);
                continue;
            }
            var buffer = new byte[sizes[i % sizes.Length]];
            int n = await stream.ReadAsync(buffer);
            Assert.That(n, Is.GreaterThan(0), "a read before the end returns bytes");
            read.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        AssertSameBytes([.. read], expected);
        Assert.That(stream.ReadByte(), Is.EqualTo(-1), "the range ends the stream");

        if (stream.CanSeek)
        {
            foreach (int position in new[] { 10, 4_000, 9, 14_999, 8_191, 0 })
            {
                stream.Position = position;
                var two = new byte[2];
                int n = stream.Read(two);
                Assert.That(two.AsSpan(0, n).ToArray(), Is.EqualTo(expected.AsSpan(position, Math.Min(2, expected.Length - position)).ToArray()), $"at {position}");
            }
        }
    }

    [Test]
    public void Ranged_read_of_a_missing_key_throws_not_found()
    {
        Assert.That(async () => await Store.OpenReadAsync("missing", new ByteRange(0, 1)), Throws.InstanceOf<StorageKeyNotFoundException>());
    }

    // ---- stat and not-found ------------------------------------------------------------------------------

    [Test]
    public async Task Stat_returns_size_and_time_of_a_present_object()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        var put = await PutTextAsync("dir/file.txt", "12345");

        var stat = await Store.StatAsync("dir/file.txt");

        Assert.That(stat, Is.Not.Null);
        Assert.That(stat!.Key, Is.EqualTo("dir/file.txt"));
        Assert.That(stat.Size, Is.EqualTo(5));
        Assert.That(stat.LastModified, Is.GreaterThan(before).And.LessThan(DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.That(put.Size, Is.EqualTo(stat.Size));
    }

    [Test]
    public async Task Stat_of_a_missing_key_returns_null()
    {
        await PutTextAsync("dir/file", "x");

        Assert.That(await Store.StatAsync("missing"), Is.Null);
        Assert.That(await Store.StatAsync("dir/missing"), Is.Null);
        Assert.That(await Store.StatAsync("dir/file/below"), Is.Null);
        Assert.That(await Store.StatAsync("dir"), Is.Null, "a 'folder' is not an object");
    }

    [Test]
    public async Task Open_read_of_a_missing_key_throws_not_found()
    {
        await PutTextAsync("dir/file", "x");

        Assert.That(async () => await Store.OpenReadAsync("missing"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(async () => await Store.OpenReadAsync("dir/missing"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(async () => await Store.OpenReadAsync("dir"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(async () => await Store.OpenReadAsync("dir/file/below"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(async () => await Store.OpenReadAsync("nowhere/deep/key"), Throws.InstanceOf<StorageKeyNotFoundException>());
    }

    // ---- listing -----------------------------------------------------------------------------------------

    [Test]
    public async Task List_orders_keys_by_utf8_bytes()
    {
        string[] keys = ["a0", "a/c/d", "a.txt", "b/\U0001F600", "a/b", "a-b", "b/\uE000", "b/\uFFFD", "b/z", "A"];
        foreach (string key in keys.Reverse())
        {
            await PutTextAsync(key, key);
        }

        var listed = await ListKeysAsync("");

        Assert.That(listed, Is.EqualTo(new[] { "A", "a-b", "a.txt", "a/b", "a/c/d", "a0", "b/z", "b/\uE000", "b/\uFFFD", "b/\U0001F600" }));
        Assert.That(listed, Is.EqualTo(keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteArrayComparer.Instance)));
    }

    [Test]
    public async Task List_reports_sizes()
    {
        await PutTextAsync("s/one", "1");
        await PutTextAsync("s/three", "333");

        var listed = await ListAsync("s/");

        Assert.That(listed.Select(s => (s.Key, s.Size)), Is.EqualTo(new[] { ("s/one", 1L), ("s/three", 3L) }));
    }

    [Test]
    public async Task List_with_a_prefix_ending_inside_a_name_matches_by_characters()
    {
        string[] keys = ["data/a", "data/ab", "data/abc/x", "data/abd", "data/b/ab", "datab", "dat", "data/ab-/y"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key);
        }

        Assert.That(await ListKeysAsync("data/ab"), Is.EqualTo(new[] { "data/ab", "data/ab-/y", "data/abc/x", "data/abd" }));
        Assert.That(await ListKeysAsync("data/"), Is.EqualTo(new[] { "data/a", "data/ab", "data/ab-/y", "data/abc/x", "data/abd", "data/b/ab" }));
        Assert.That(await ListKeysAsync("data"), Is.EqualTo(new[] { "data/a", "data/ab", "data/ab-/y", "data/abc/x", "data/abd", "data/b/ab", "datab" }));
        Assert.That(await ListKeysAsync("data/abc/"), Is.EqualTo(new[] { "data/abc/x" }));
        Assert.That(await ListKeysAsync(""), Has.Count.EqualTo(keys.Length));
        Assert.That(await ListKeysAsync("zzz"), Is.Empty);
        Assert.That(await ListKeysAsync("data/zz/"), Is.Empty);
        Assert.That(await ListKeysAsync("data/a/"), Is.Empty, "'data/a' is an object, not a folder");
    }

    [Test]
    public async Task List_starts_strictly_after_start_after()
    {
        string[] keys = ["a-b", "a.txt", "a/b", "a/c/d", "a/c/e", "a0", "b"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await ListKeysAsync("", "a/b"), Is.EqualTo(new[] { "a/c/d", "a/c/e", "a0", "b" }), "exclusive");
            Assert.That(await ListKeysAsync("", "a/bb"), Is.EqualTo(new[] { "a/c/d", "a/c/e", "a0", "b" }), "not a key");
            Assert.That(await ListKeysAsync("", "a/c"), Is.EqualTo(new[] { "a/c/d", "a/c/e", "a0", "b" }), "a 'folder' name");
            Assert.That(await ListKeysAsync("", "a/c/d"), Is.EqualTo(new[] { "a/c/e", "a0", "b" }), "inside a folder");
            Assert.That(await ListKeysAsync("", "a/c/da"), Is.EqualTo(new[] { "a/c/e", "a0", "b" }), "inside a folder, not a key");
            Assert.That(await ListKeysAsync("", "a/"), Is.EqualTo(new[] { "a/b", "a/c/d", "a/c/e", "a0", "b" }));
            Assert.That(await ListKeysAsync("", "a/\uFFFF"), Is.EqualTo(new[] { "a0", "b" }), "after a whole folder");
            Assert.That(await ListKeysAsync("", "a-"), Is.EqualTo(new[] { "a-b", "a.txt", "a/b", "a/c/d", "a/c/e", "a0", "b" }));
            Assert.That(await ListKeysAsync("", "a-b"), Is.EqualTo(new[] { "a.txt", "a/b", "a/c/d", "a/c/e", "a0", "b" }));
            Assert.That(await ListKeysAsync("", ""), Is.EqualTo(keys));
            Assert.That(await ListKeysAsync("", "b"), Is.Empty);
            Assert.That(await ListKeysAsync("", "c"), Is.Empty);
            Assert.That(await ListKeysAsync("a/", "0"), Is.EqualTo(new[] { "a/b", "a/c/d", "a/c/e" }), "start-after before the prefix");
            Assert.That(await ListKeysAsync("a/", "a/c/d"), Is.EqualTo(new[] { "a/c/e" }), "with a prefix");
            Assert.That(await ListKeysAsync("a/", "a0"), Is.Empty, "start-after beyond the prefix");
        });
    }

    [Test]
    public async Task List_agrees_with_a_sorted_filter_on_random_keys_and_queries()
    {
        var random = new Random(20240601);
        string[] alphabet = ["a", "b", "-", ".", "0", "\uE000", "\U0001F600", "ab", "Z"];
        var keys = new SortedSet<string>(StorageKeys.Comparer);
        while (keys.Count < 60)
        {
            int depth = random.Next(1, 4);
            string key = string.Join('/', Enumerable.Range(0, depth).Select(_ => alphabet[random.Next(alphabet.Length)] + alphabet[random.Next(alphabet.Length)]));
            // A file system cannot hold both "x" and "x/y"; object stores can, but the contract does not ask for it.
            bool clash = keys.Any(k => k.StartsWith(key + "/", StringComparison.Ordinal) || key.StartsWith(k + "/", StringComparison.Ordinal));
            if (!clash && StorageKeys.IsValid(key))
            {
                keys.Add(key);
            }
        }
        await Task.WhenAll(keys.Select(k => PutTextAsync(k, k)));

        for (int query = 0; query < 60; query++)
        {
            string prefix = RandomCut(random, keys.ElementAt(random.Next(keys.Count)));
            if (prefix.EndsWith('.') || prefix.Contains("//", StringComparison.Ordinal))
            {
                prefix = "";
            }
            string? startAfter = random.Next(3) == 0 ? null : RandomCut(random, keys.ElementAt(random.Next(keys.Count))) + (random.Next(2) == 0 ? "" : "a");
            var expected = keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || StorageKeys.Compare(k, startAfter) > 0));

            Assert.That(await ListKeysAsync(prefix, startAfter), Is.EqualTo(expected), $"prefix '{prefix}', start after '{startAfter}'");
        }
    }

    [Test]
    public async Task List_pages_through_thousands_of_keys()
    {
        const int Count = 2500;
        var keys = Enumerable.Range(0, Count).Select(i => $"many/{i % 7}/{i:D5}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) => await Store.PutAsync(key, Text("v"), cancellationToken: ct));
        await PutTextAsync("many0", "outside the prefix");
        await PutTextAsync("man", "outside the prefix");
        var sorted = keys.Order(StorageKeys.Comparer).ToList();

        var listed = await ListKeysAsync("many/");
        var tail = await ListKeysAsync("many/", sorted[1234]);

        Assert.That(listed, Is.EqualTo(sorted));
        Assert.That(tail, Is.EqualTo(sorted.Skip(1235)));
    }

    [Test]
    public async Task List_of_an_empty_store_is_empty()
    {
        Assert.That(await ListKeysAsync(""), Is.Empty);
        Assert.That(await ListKeysAsync("a/"), Is.Empty);
    }

    [Test]
    public async Task List_where_offers_each_key_once_in_order_and_returns_an_accepted_one_before_offering_the_next()
    {
        string[] keys = ["w/a", "w/b/c", "w/b/d", "w/b0", "w/c", "w/d/e/f", "x", "v"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key + "!");
        }
        var events = new List<string>();

        await foreach (var item in Store.ListWhereAsync("w/", key =>
        {
            events.Add("offered " + key);
            return key is "w/b/c" or "w/b0" or "w/d/e/f";
        }))
        {
            events.Add($"returned {item.Key} {item.Size}");
        }
        var tail = new List<string>();
        await foreach (var item in Store.ListWhereAsync("w/", key => key != "w/d/e/f", startAfter: "w/b/c"))
        {
            tail.Add(item.Key);
        }

        Assert.That(events, Is.EqualTo(new[]
        {
            "offered w/a", "offered w/b/c", "returned w/b/c 6", "offered w/b/d", "offered w/b0", "returned w/b0 5",
            "offered w/c", "offered w/d/e/f", "returned w/d/e/f 8",
        }));
        Assert.That(tail, Is.EqualTo(new[] { "w/b/d", "w/b0", "w/c" }));
        Assert.That(() => Store.ListWhereAsync("/w", _ => true), Throws.InstanceOf<InvalidStorageKeyException>(), "checked before listing");
        Assert.That(() => Store.ListWhereAsync("w/", null!), Throws.ArgumentNullException);
    }

    // ---- delete ------------------------------------------------------------------------------------------

    [Test]
    public async Task Delete_removes_a_present_object_and_returns_true()
    {
        await PutTextAsync("dir/sub/gone", "x");
        await PutTextAsync("dir/kept", "y");

        Assert.That(await Store.DeleteAsync("dir/sub/gone"), Is.True);
        Assert.That(await Store.StatAsync("dir/sub/gone"), Is.Null);
        Assert.That(async () => await Store.OpenReadAsync("dir/sub/gone"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "dir/kept" }));
    }

    [Test]
    public async Task Delete_of_a_missing_key_returns_false()
    {
        await PutTextAsync("dir/file", "x");

        Assert.That(await Store.DeleteAsync("missing"), Is.False);
        Assert.That(await Store.DeleteAsync("dir/missing"), Is.False);
        Assert.That(await Store.DeleteAsync("dir"), Is.False);
        Assert.That(await Store.DeleteAsync("dir/file"), Is.True);
        Assert.That(await Store.DeleteAsync("dir/file"), Is.False);
    }

    [Test]
    public async Task A_deleted_key_can_be_written_again()
    {
        await PutTextAsync("x/y/z", "1");
        await Store.DeleteAsync("x/y/z");

        await Store.PutAsync("x/y/z", Text("2"), new PutOptions { IfNoneMatch = true });

        Assert.That(await ReadTextAsync("x/y/z"), Is.EqualTo("2"));
    }

    [Test]
    public async Task Delete_many_deletes_the_keys_given_and_skips_missing_ones()
    {
        string[] keys = ["p/1/a", "p/1/b", "p/1/c", "p/2/a", "p/2/b/c", "q"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key);
        }

        await Store.DeleteManyAsync(["p/1/a", "p/1/c", "p/2/b/c", "p/2/missing", "missing/x", "q"]);
        await Store.DeleteManyAsync([]);

        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "p/1/b", "p/2/a" }));
    }

    [Test]
    public async Task Delete_many_deletes_past_a_thousand_keys()
    {
        // S3 deletes a thousand keys a request: the keys on either side of that edge, and the last, are all deleted.
        var keys = Enumerable.Range(0, 1_200).Select(i => $"many/{i:D5}").ToList();
        foreach (int i in new[] { 0, 999, 1_000, 1_199 })
        {
            await PutTextAsync(keys[i], "x");
        }
        await PutTextAsync("many/kept", "x");

        await Store.DeleteManyAsync(keys);

        Assert.That(await ListKeysAsync("many/"), Is.EqualTo(new[] { "many/kept" }));
    }

    [Test]
    public async Task Delete_many_with_an_invalid_key_deletes_nothing()
    {
        await PutTextAsync("a/b", "x");

        Assert.That(async () => await Store.DeleteManyAsync(["a/b", "../escape"]), Throws.InstanceOf<InvalidStorageKeyException>().With.Message.Contains("../escape"));
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "a/b" }));
    }

    [Test]
    public async Task Folders_lists_each_folder_under_the_prefix_once_in_key_order()
    {
        string[] keys = ["d/1/x", "d/1/y", "d/1.5/q", "d/2/z/w", "d/3", "d-/e/f", "e/g", "top"];
        foreach (string key in keys)
        {
            await PutTextAsync(key, key);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await ListFoldersAsync("d/"), Is.EqualTo(new[] { "d/1.5/", "d/1/", "d/2/" }), "'.' sorts before '/'; d/3 is an object");
            Assert.That(await ListFoldersAsync(""), Is.EqualTo(new[] { "d-/", "d/", "e/" }));
            Assert.That(await ListFoldersAsync("d/2/"), Is.EqualTo(new[] { "d/2/z/" }));
            Assert.That(await ListFoldersAsync("d/1/"), Is.Empty, "only objects under it");
            Assert.That(await ListFoldersAsync("nothing/"), Is.Empty);
        });
    }

    [Test]
    public async Task Folders_of_deleted_objects_are_no_longer_listed()
    {
        await PutTextAsync("h/1/a", "x");
        await PutTextAsync("h/2/a", "x");

        await Store.DeleteManyAsync(["h/1/a"]);

        Assert.That(await ListFoldersAsync("h/"), Is.EqualTo(new[] { "h/2/" }));
    }

    [TestCase("d")]
    [TestCase("d/1")]
    [TestCase("/")]
    [TestCase("a//")]
    [TestCase("../")]
    public void Folders_rejects_a_prefix_that_is_not_a_folder(string prefix)
    {
        Assert.That(async () => await ListFoldersAsync(prefix), Throws.InstanceOf<InvalidStorageKeyException>());
    }

    // ---- invalid keys ------------------------------------------------------------------------------------

    [TestCaseSource(nameof(InvalidKeys))]
    public void Every_operation_rejects_an_invalid_key(string key)
    {
        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.PutAsync(key, Text("x")), Throws.InstanceOf<InvalidStorageKeyException>(), "put");
            Assert.That(async () => await Store.OpenReadAsync(key), Throws.InstanceOf<InvalidStorageKeyException>(), "read");
            Assert.That(async () => await Store.StatAsync(key), Throws.InstanceOf<InvalidStorageKeyException>(), "stat");
            Assert.That(async () => await Store.DeleteAsync(key), Throws.InstanceOf<InvalidStorageKeyException>(), "delete");
        });
    }

    [Test]
    public void Invalid_key_message_names_the_key()
    {
        Assert.That(
            async () => await Store.PutAsync("../escape", Text("x")),
            Throws.InstanceOf<InvalidStorageKeyException>().With.Message.Contains("../escape"));
    }

    [TestCaseSource(nameof(InvalidPrefixes))]
    public void List_rejects_a_prefix_no_key_can_start_with(string prefix)
    {
        Assert.That(async () => await ListKeysAsync(prefix), Throws.InstanceOf<InvalidStorageKeyException>());
    }

    // ---- cancellation ------------------------------------------------------------------------------------

    [Test]
    public async Task Every_operation_honours_a_cancelled_token()
    {
        await PutTextAsync("present", "x");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var ct = cts.Token;

        Assert.Multiple(() =>
        {
            Assert.That(async () => await Store.PutAsync("new", Text("x"), cancellationToken: ct), Throws.InstanceOf<OperationCanceledException>(), "put");
            Assert.That(async () => await Store.OpenReadAsync("present", cancellationToken: ct), Throws.InstanceOf<OperationCanceledException>(), "read");
            Assert.That(async () => await Store.StatAsync("present", ct), Throws.InstanceOf<OperationCanceledException>(), "stat");
            Assert.That(async () => await Store.DeleteAsync("present", ct), Throws.InstanceOf<OperationCanceledException>(), "delete");
            Assert.That(async () => await ListKeysAsync("", cancellationToken: ct), Throws.InstanceOf<OperationCanceledException>(), "list");
        });
        Assert.That(await Store.StatAsync("new"), Is.Null);
        Assert.That(await ReadTextAsync("present"), Is.EqualTo("x"));
    }

    [Test]
    public async Task A_put_cancelled_while_streaming_leaves_no_object()
    {
        using var cts = new CancellationTokenSource();
        var content = new NonSeekableStream(RandomBytes(1024 * 1024, seed: 5), onRead: position =>
        {
            if (position > 100_000)
            {
                cts.Cancel();
            }
        });

        Assert.That(async () => await Store.PutAsync("partial", content, cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await Store.StatAsync("partial"), Is.Null);
        Assert.That(await ListKeysAsync(""), Is.Empty);
    }

    [Test]
    public async Task A_listing_stops_when_its_token_is_cancelled()
    {
        for (int i = 0; i < 5; i++)
        {
            await PutTextAsync($"l/{i}", "x");
        }
        using var cts = new CancellationTokenSource();
        var seen = new List<string>();

        Assert.That(async () =>
        {
            await foreach (var stat in Store.ListAsync("l/").WithCancellation(cts.Token))
            {
                seen.Add(stat.Key);
                await cts.CancelAsync();
            }
        }, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(seen, Is.EqualTo(new[] { "l/0" }));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    protected static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    protected Task<ObjectStat> PutTextAsync(string key, string text) => Store.PutAsync(key, Text(text));

    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<string> ReadTextAsync(string key) => Encoding.UTF8.GetString(await ReadAllAsync(key));

    protected async Task<List<ObjectStat>> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        var result = new List<ObjectStat>();
        await foreach (var stat in Store.ListAsync(prefix, startAfter, cancellationToken))
        {
            result.Add(stat);
        }
        return result;
    }

    protected async Task<List<string>> ListFoldersAsync(string prefix)
    {
        var folders = new List<string>();
        await foreach (var folder in Store.ListFoldersAsync(prefix))
        {
            folders.Add(folder);
        }
        return folders;
    }

    protected async Task<List<string>> ListKeysAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) =>
        [.. (await ListAsync(prefix, startAfter, cancellationToken)).Select(s => s.Key)];

    /// <summary>Compares large arrays quickly (NUnit compares element by element) and names the first difference.</summary>
    protected static void AssertSameBytes(byte[] actual, byte[] expected)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        int firstDifference = actual.AsSpan().CommonPrefixLength(expected);
        Assert.That(firstDifference, Is.EqualTo(expected.Length), "first differing byte");
    }

    protected static byte[] RandomBytes(int size, int seed)
    {
        byte[] bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string RandomCut(Random random, string key)
    {
        int cut = random.Next(key.Length + 1);
        if (cut > 0 && cut < key.Length && char.IsHighSurrogate(key[cut - 1]))
        {
            cut--;
        }
        return key[..cut];
    }
}
