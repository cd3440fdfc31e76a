using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Core.Transfer;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests;

/// <summary>UploadDirectoryAsync and DownloadAsync: round trips, failures that name the file, cancellation, progress, the target folder.</summary>
public sealed class RepositoryTransferTests
{
    private TempDirectory _temp = null!;
    private Repository _repo = null!;
    private HookedObjectStore _store = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _store = new HookedObjectStore(new LocalObjectStore(_temp.Combine("repo", "objects")));
        _repo = await Repository.CreateAsync(Repository.LocalOptions(_temp.Combine("repo")) with { ObjectStore = _store, Tree = TestRepositories.SmallTree });
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task A_folder_tree_round_trips_byte_for_byte_with_empty_files_deep_paths_and_hidden_files()
    {
        var source = _temp.Combine("source");
        var expected = WriteTree(source);
        Directory.CreateDirectory(Path.Combine(source, "empty", "folders", "leave", "nothing"));

        var up = await _repo.UploadDirectoryAsync("main", source, "in");

        Assert.That(up, Is.EqualTo(new TransferResult
        {
            Files = expected.Count,
            Bytes = expected.Values.Sum(b => (long)b.Length),
            Skipped = 0,
        }));
        var listed = await _repo.ListObjectsAsync("main", "in/").ToListAsync();
        Assert.That(listed.ToDictionary(i => i.Path, i => i.Object!.Checksum),
            Is.EquivalentTo(expected.ToDictionary(e => "in/" + e.Key, e => TestRepositories.Sha256Hex(e.Value))));
        var commit = await _repo.CommitAsync("main", "upload");

        // From the commit id, into a folder that does not exist yet; then a subtree from the branch.
        var copy = _temp.Combine("copy", "of", "source");
        var down = await _repo.DownloadAsync(commit.Id, "in/", copy);
        Assert.That(down, Is.EqualTo(up));
        Assert.That(ReadTree(copy), Is.EquivalentTo(expected));
        Assert.That(Directory.Exists(Path.Combine(copy, "empty")), Is.False, "object stores have no folders: an empty folder does not come back");

        var sub = _temp.Combine("sub");
        await _repo.DownloadAsync("main", "in/deep", sub);
        Assert.That(ReadTree(sub), Is.EquivalentTo(expected.Where(e => e.Key.StartsWith("deep/", StringComparison.Ordinal)).ToDictionary(e => e.Key["deep/".Length..], e => e.Value)));
    }

    [Test]
    public async Task Uploading_at_the_top_uses_the_paths_below_the_folder()
    {
        var source = Directory.CreateDirectory(_temp.Combine("source")).FullName;
        File.WriteAllText(Path.Combine(source, "a.txt"), "a", Encoding.UTF8);
        var nested = Directory.CreateDirectory(Path.Combine(source, "b", "c")).FullName;
        File.WriteAllText(Path.Combine(nested, "d.txt"), "d", Encoding.UTF8);

        await _repo.UploadDirectoryAsync("main", source + Path.DirectorySeparatorChar);

        Assert.That(await _repo.ListPathsAsync("main"), Is.EqualTo(new[] { "a.txt", "b/c/d.txt" }));
    }

    [Test]
    public async Task Symbolic_links_are_skipped_not_followed()
    {
        var source = _temp.Combine("source");
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "secret");
        File.WriteAllText(Path.Combine(source, "real.txt"), "real");
        File.CreateSymbolicLink(Path.Combine(source, "file-link.txt"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(source, "folder-link"), outside);
        Directory.CreateSymbolicLink(Path.Combine(source, "loop"), source);

        var result = await _repo.UploadDirectoryAsync("main", source);

        Assert.That(result.Skipped, Is.EqualTo(3));
        Assert.That(await _repo.ListPathsAsync("main"), Is.EqualTo(new[] { "real.txt" }));
    }

    [Test]
    public async Task A_file_whose_put_fails_fails_the_upload_with_its_name_and_what_came_before_stays_staged()
    {
        var source = _temp.Combine("source");
        var poison = Encoding.UTF8.GetBytes("poison");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 20; i++)
        {
            files[$"f{i:D2}.bin"] = i == 12 ? poison : Encoding.UTF8.GetBytes($"content {i}");
        }
        WriteFiles(source, files);
        _store.BeforePut = (_, content) =>
        {
            if (content.AsSpan().SequenceEqual(poison))
            {
                throw new StorageException("injected failure");
            }
        };

        // One at a time, so exactly the files before the failing one are staged.
        var e = Assert.ThrowsAsync<TransferFailedException>(async () =>
            await _repo.UploadDirectoryAsync("main", source, "up", new UploadOptions { MaxParallelism = 1 }));

        Assert.That(e!.ObjectPath, Is.EqualTo("up/f12.bin"));
        Assert.That(e.LocalPath, Is.EqualTo(Path.Combine(source, "f12.bin")));
        Assert.That(e.Message, Does.Contain(Path.Combine(source, "f12.bin")).And.Contain("injected failure").And.Contain("stay staged"));
        Assert.That(e.InnerException, Is.TypeOf<StorageException>());
        Assert.That(e.FilesCompleted, Is.EqualTo(12));
        await AssertStagedAreCompleteAsync("up/", files, 12);
        Assert.That(await _repo.ListPathsAsync("main", "up/"), Is.EqualTo(files.Keys.Take(12).Select(k => "up/" + k)));

        // In parallel: the count in the error is what is staged, every staged object is whole, the failing one is not there.
        await _repo.ResetAsync("main");
        e = Assert.ThrowsAsync<TransferFailedException>(async () =>
            await _repo.UploadDirectoryAsync("main", source, "up", new UploadOptions { MaxParallelism = 4 }));
        Assert.That(e!.ObjectPath, Is.EqualTo("up/f12.bin"));
        await AssertStagedAreCompleteAsync("up/", files, e.FilesCompleted);
        Assert.That(await _repo.ListPathsAsync("main", "up/"), Does.Not.Contain("up/f12.bin"));
    }

    [Test]
    public async Task A_path_that_cannot_be_an_object_path_fails_before_anything_is_uploaded()
    {
        var source = _temp.Combine("source");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(source).FullName, "fine.txt"), "fine");
        // Five folders of 220 characters: a path of 1,100+ bytes, past the 1,024-byte limit of object paths.
        var deep = Path.Combine([source, .. Enumerable.Range(0, 5).Select(i => new string((char)('a' + i), 220))]);
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "too-long.txt"), "x");

        var e = Assert.ThrowsAsync<TransferFailedException>(async () => await _repo.UploadDirectoryAsync("main", source));

        Assert.That(e!.LocalPath, Is.EqualTo(Path.Combine(deep, "too-long.txt")));
        Assert.That(e.InnerException, Is.TypeOf<InvalidPathException>());
        Assert.That(e.Message, Does.Contain("Nothing was uploaded"));
        Assert.That(await _repo.ListPathsAsync("main"), Is.Empty);
    }

    [Test]
    public async Task A_cancelled_upload_throws_and_leaves_the_files_put_before_staged()
    {
        var source = _temp.Combine("source");
        var files = Enumerable.Range(0, 10).ToDictionary(i => $"f{i}.bin", i => Encoding.UTF8.GetBytes($"content {i}"));
        WriteFiles(source, files);
        using var cts = new CancellationTokenSource();
        var puts = 0;
        _store.BeforePut = (_, _) =>
        {
            if (++puts == 5)
            {
                cts.Cancel();
            }
        };

        Assert.CatchAsync<OperationCanceledException>(async () =>
            await _repo.UploadDirectoryAsync("main", source, null, new UploadOptions { MaxParallelism = 1 }, null, cts.Token));

        // The fifth put saw the cancellation before its bytes were written: four are staged, each whole.
        var staged = await _repo.ListPathsAsync("main");
        Assert.That(staged, Has.Count.EqualTo(4));
        foreach (var path in staged)
        {
            Assert.That(await _repo.ReadBytesAsync("main", path), Is.EqualTo(files[path]));
        }
    }

    [Test]
    public async Task Progress_starts_at_zero_never_goes_back_and_reaches_the_totals()
    {
        var source = _temp.Combine("source");
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"d{i % 3}/f{i}.bin", i => new byte[i * 37]);
        WriteFiles(source, files);
        var total = files.Values.Sum(b => (long)b.Length);

        var up = new RecordingProgress();
        await _repo.UploadDirectoryAsync("main", source, "p", new UploadOptions { MaxParallelism = 3 }, up);
        var down = new RecordingProgress();
        await _repo.DownloadAsync("main", "p", _temp.Combine("copy"), new DownloadOptions { MaxParallelism = 3 }, down);

        foreach (var reports in new[] { up.Reports, down.Reports })
        {
            Assert.That(reports[0], Is.EqualTo(new TransferProgress
            {
                FilesDone = 0,
                FilesTotal = 40,
                BytesDone = 0,
                BytesTotal = total,
            }));
            Assert.That(reports[^1], Is.EqualTo(new TransferProgress
            {
                FilesDone = 40,
                FilesTotal = 40,
                BytesDone = total,
                BytesTotal = total,
            }));
            for (var i = 1; i < reports.Count; i++)
            {
                Assert.That(reports[i].FilesDone, Is.GreaterThanOrEqualTo(reports[i - 1].FilesDone));
                Assert.That(reports[i].BytesDone, Is.GreaterThanOrEqualTo(reports[i - 1].BytesDone));
            }
        }
    }

    [Test]
    public async Task The_content_type_comes_from_the_option()
    {
        var source = _temp.Combine("source");
        WriteFiles(source, new Dictionary<string, byte[]> { ["a.json"] = [(byte)'{', (byte)'}'], ["b.bin"] = [1] });

        await _repo.UploadDirectoryAsync("main", source, null,
            new UploadOptions { ContentTypeOf = path => path.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : null });

        Assert.That((await _repo.StatObjectAsync("main", "a.json")).ContentType, Is.EqualTo("application/json"));
        Assert.That((await _repo.StatObjectAsync("main", "b.bin")).ContentType, Is.EqualTo("application/octet-stream"));
    }

    [Test]
    public async Task A_download_refuses_a_folder_that_is_not_empty_unless_asked_to_overwrite()
    {
        await _repo.PutObjectAsync("main", "data/a.txt", "new a");
        await _repo.PutObjectAsync("main", "data/sub/b.txt", "new b");
        var target = _temp.Combine("target");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "a.txt"), "old a");
        File.WriteAllText(Path.Combine(target, "mine.txt"), "mine");

        var e = Assert.ThrowsAsync<FolderNotEmptyException>(async () => await _repo.DownloadAsync("main", "data", target));
        Assert.That(e!.Message, Does.Contain("DownloadOptions.Overwrite"));
        Assert.That(ReadTree(target).Keys, Is.EquivalentTo(new[] { "a.txt", "mine.txt" }));
        Assert.That(File.ReadAllText(Path.Combine(target, "a.txt")), Is.EqualTo("old a"));

        var result = await _repo.DownloadAsync("main", "data", target, new DownloadOptions { Overwrite = true });

        Assert.That(result.Files, Is.EqualTo(2));
        Assert.That(ReadTree(target).ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value)), Is.EquivalentTo(new Dictionary<string, string>
        {
            ["a.txt"] = "new a",
            ["sub/b.txt"] = "new b",
            ["mine.txt"] = "mine",
        }));
    }

    [Test]
    public async Task A_download_skips_folder_markers_and_fails_on_a_path_that_cannot_be_a_file()
    {
        await _repo.PutObjectAsync("main", "m/", "");
        await _repo.PutObjectAsync("main", "m/a.txt", "a");
        var result = await _repo.DownloadAsync("main", "m", _temp.Combine("one"));
        Assert.That(result, Is.EqualTo(new TransferResult { Files = 1, Bytes = 1, Skipped = 1 }));

        await _repo.PutObjectAsync("main", "n/a//b.txt", "empty segment");
        var e = Assert.ThrowsAsync<TransferFailedException>(async () => await _repo.DownloadAsync("main", "n", _temp.Combine("two")));
        Assert.That(e!.ObjectPath, Is.EqualTo("n/a//b.txt"));
        Assert.That(e.InnerException, Is.TypeOf<InvalidPathException>());
        Assert.That(Directory.EnumerateFileSystemEntries(_temp.Combine("two")), Is.Empty);
    }

    [Test]
    public async Task An_object_beneath_a_path_written_as_a_file_fails_with_its_name()
    {
        await _repo.PutObjectAsync("main", "x", "a file");
        await _repo.PutObjectAsync("main", "x/y", "beneath it");
        var target = _temp.Combine("target");

        var e = Assert.ThrowsAsync<TransferFailedException>(async () =>
            await _repo.DownloadAsync("main", null, target, new DownloadOptions { MaxParallelism = 1 }));

        Assert.That(e!.ObjectPath, Is.EqualTo("x/y"));
        Assert.That(e.FilesCompleted, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(target, "x")), Is.EqualTo("a file"));
        AssertNoTemporaryFiles(target);
    }

    [Test]
    public async Task A_download_never_writes_through_a_symbolic_link_in_the_target()
    {
        await _repo.PutObjectAsync("main", "sub/f.txt", "f");
        var target = _temp.Combine("target");
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(target);
        Directory.CreateDirectory(outside);
        Directory.CreateSymbolicLink(Path.Combine(target, "sub"), outside);

        var e = Assert.ThrowsAsync<TransferFailedException>(async () =>
            await _repo.DownloadAsync("main", null, target, new DownloadOptions { Overwrite = true }));

        Assert.That(e!.Message, Does.Contain("symbolic link"));
        Assert.That(Directory.EnumerateFileSystemEntries(outside), Is.Empty);
    }

    [Test]
    public async Task A_failed_read_fails_the_download_with_the_name_and_leaves_no_partial_file()
    {
        var files = Enumerable.Range(0, 10).ToDictionary(i => $"f{i}.bin", i => Encoding.UTF8.GetBytes($"content {i}"));
        foreach (var (path, bytes) in files)
        {
            await _repo.PutObjectAsync("main", path, bytes);
        }
        var bad = (await _repo.StatObjectAsync("main", "f6.bin")).PhysicalAddress;
        _store.BeforeRead = key =>
        {
            if (key == bad)
            {
                throw new StorageException("injected read failure");
            }
        };
        var target = _temp.Combine("target");

        var e = Assert.ThrowsAsync<TransferFailedException>(async () =>
            await _repo.DownloadAsync("main", null, target, new DownloadOptions { MaxParallelism = 1 }));

        Assert.That(e!.ObjectPath, Is.EqualTo("f6.bin"));
        Assert.That(e.LocalPath, Is.EqualTo(Path.Combine(target, "f6.bin")));
        Assert.That(e.Message, Does.Contain("injected read failure"));
        Assert.That(e.FilesCompleted, Is.EqualTo(6));
        Assert.That(ReadTree(target), Is.EquivalentTo(files.Where(f => string.CompareOrdinal(f.Key, "f6.bin") < 0)));
        AssertNoTemporaryFiles(target);
    }

    [Test]
    public async Task A_corrupt_object_fails_the_download_and_leaves_no_file_at_its_path()
    {
        await _repo.PutObjectAsync("main", "a.bin", new byte[1000]);
        var address = (await _repo.StatObjectAsync("main", "a.bin")).PhysicalAddress;
        await new LocalObjectStore(_temp.Combine("repo", "objects")).PutAsync(address, new MemoryStream(new byte[999]));
        var target = _temp.Combine("target");

        var e = Assert.ThrowsAsync<TransferFailedException>(async () => await _repo.DownloadAsync("main", null, target));

        Assert.That(e!.InnerException, Is.TypeOf<CorruptDataException>());
        Assert.That(Directory.EnumerateFileSystemEntries(target), Is.Empty);
    }

    [Test]
    public async Task A_cancelled_download_throws_and_leaves_only_complete_files()
    {
        var files = Enumerable.Range(0, 10).ToDictionary(i => $"f{i}.bin", i => Encoding.UTF8.GetBytes($"content {i}"));
        foreach (var (path, bytes) in files)
        {
            await _repo.PutObjectAsync("main", path, bytes);
        }
        using var cts = new CancellationTokenSource();
        var reads = 0;
        _store.BeforeRead = key =>
        {
            // Objects' bytes only (the listing reads the tree through the same store).
            if (key.StartsWith("data/", StringComparison.Ordinal) && ++reads == 4)
            {
                cts.Cancel();
            }
        };
        var target = _temp.Combine("target");

        Assert.CatchAsync<OperationCanceledException>(async () =>
            await _repo.DownloadAsync("main", null, target, new DownloadOptions { MaxParallelism = 1 }, null, cts.Token));

        // The fourth read saw the cancellation: three files are written, or four when it was read before the copy checked the token.
        var written = ReadTree(target);
        Assert.That(written, Has.Count.InRange(3, 4));
        foreach (var (path, bytes) in written)
        {
            Assert.That(bytes, Is.EqualTo(files[path]));
        }
        AssertNoTemporaryFiles(target);
    }

    [Test]
    public async Task Bad_arguments_fail_before_anything_moves()
    {
        var source = _temp.Combine("source");
        WriteFiles(source, new Dictionary<string, byte[]> { ["a"] = [1] });

        Assert.ThrowsAsync<BranchNotFoundException>(async () => await _repo.UploadDirectoryAsync("nope", source));
        Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await _repo.UploadDirectoryAsync("main", _temp.Combine("missing")));
        foreach (var prefix in new[] { "/abs", "a/../b", "a//b", "./a", "..", "a\0b" })
        {
            Assert.ThrowsAsync<InvalidPathException>(async () => await _repo.UploadDirectoryAsync("main", source, prefix), prefix);
            Assert.ThrowsAsync<InvalidPathException>(async () => await _repo.DownloadAsync("main", prefix, _temp.Combine("t")), prefix);
        }
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _repo.UploadDirectoryAsync("main", source, null, new UploadOptions { MaxParallelism = 0 }));
        Assert.ThrowsAsync<RefNotFoundException>(async () => await _repo.DownloadAsync("nope", null, _temp.Combine("t")));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _repo.DownloadAsync("main", null, _temp.Combine("t"), new DownloadOptions { MaxParallelism = 0 }));
        Assert.That(await _repo.ListPathsAsync("main"), Is.Empty);
        Assert.That(Directory.Exists(_temp.Combine("t")), Is.False);
    }

    /// <summary>Files of every awkward kind: empty, one byte, a block, past a copy buffer, hidden, non-ASCII, 40 folders deep.</summary>
    private static Dictionary<string, byte[]> WriteTree(string root)
    {
        var random = new Random(7);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }
        var deep = string.Join('/', Enumerable.Range(0, 40).Select(i => $"d{i:D2}"));
        var files = new Dictionary<string, byte[]>
        {
            ["empty.txt"] = [],
            ["one.bin"] = Bytes(1),
            ["block.bin"] = Bytes(4096),
            ["big.bin"] = Bytes(300_000),
            [".hidden"] = Bytes(10),
            ["ünïcødé/файл ✓.txt"] = Bytes(33),
            ["nested/empty"] = [],
            ["deep/" + deep + "/leaf.bin"] = Bytes(100),
            ["deep/" + deep + "/empty"] = [],
        };
        WriteFiles(root, files);
        return files;
    }

    private static void WriteFiles(string root, IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        foreach (var (path, bytes) in files)
        {
            var full = Path.Combine([root, .. path.Split('/')]);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    private static Dictionary<string, byte[]> ReadTree(string root) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);

    private static void AssertNoTemporaryFiles(string root) =>
        Assert.That(Directory.EnumerateFiles(root, DownloadTarget.TempPrefix + "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }), Is.Empty);

    private async Task AssertStagedAreCompleteAsync(string prefix, IReadOnlyDictionary<string, byte[]> files, long count)
    {
        var staged = await _repo.ListPathsAsync("main", prefix);
        Assert.That(staged, Has.Count.EqualTo(count));
        foreach (var path in staged)
        {
            Assert.That(await _repo.ReadBytesAsync("main", path), Is.EqualTo(files[path[prefix.Length..]]), path);
        }
    }

    /// <summary>Records reports on the reporting thread (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class RecordingProgress : IProgress<TransferProgress>
    {
        private readonly Lock _gate = new();

        public List<TransferProgress> Reports { get; } = [];

        public void Report(TransferProgress value)
        {
            lock (_gate)
            {
                Reports.Add(value);
            }
        }
    }
}
