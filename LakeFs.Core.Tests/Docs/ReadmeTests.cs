using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LakeFs.Core.Tests.Docs;

/// <summary>
/// Every ```csharp block of README.md compiles against the built assemblies, as a reader would paste it: with the
/// SDK's implicit usings and the usings of the blocks before it (the README reads as one program, top to bottom).
/// Names a block uses without declaring (repo, stream, app…) come from <see cref="Given"/>, declared by type only.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    /// <summary>What snippets may use without declaring it: the repository of the tour and the inputs a caller has.</summary>
    private const string Given = """
        public static class ReadmeGiven
        {
            public static LakeFs.Core.Repository repo => throw null!;
            public static System.IO.Stream stream => throw null!;
            public static byte[] jsonBytes => throw null!;
            public static byte[] data => throw null!;
            public static long size => throw null!;
            public static string checksum => throw null!;
            public static System.IProgress<LakeFs.Core.Model.VerifyProgress> progress => throw null!;
            public static System.Threading.CancellationToken cancellationToken => throw null!;
            public static string accessKey => throw null!;
            public static string secretKey => throw null!;
            public static string connectionString => throw null!;
            public static Microsoft.AspNetCore.Builder.WebApplication app => throw null!;
            public static string[] args => throw null!;
        }
        """;

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => MetadataReference.CreateFromFile(path))]);

    [GeneratedRegex(@"^using [A-Za-z0-9_.]+;\s*$")]
    private static partial Regex UsingDirective();

    /// <summary>The README's C# blocks in order, each with the line it starts on.</summary>
    internal static List<(int Line, string Code)> CSharpBlocks(string markdown)
    {
        var blocks = new List<(int, string)>();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "```csharp")
            {
                continue;
            }
            var start = i + 1;
            var code = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                code.Append(lines[i].TrimEnd('\r')).Append('\n');
            }
            blocks.Add((start + 1, code.ToString()));
        }
        return blocks;
    }

    /// <summary>Compiles one block with the usings given; returns its errors (each with its line in the block), empty when it compiles.</summary>
    internal static List<string> Compile(string code, IEnumerable<string> usings)
    {
        var body = new StringBuilder();
        var source = new StringBuilder();
        foreach (var u in usings)
        {
            source.Append("using ").Append(u).Append(";\n");
        }
        foreach (var line in code.Split('\n'))
        {
            // A hoisted using leaves an empty line, so the block keeps its line numbers.
            (UsingDirective().IsMatch(line) ? source.Append(line) : body.Append(line)).Append('\n');
            if (UsingDirective().IsMatch(line))
            {
                body.Append('\n');
            }
        }
        var (statements, types) = SplitTypeDeclarations(body.ToString());
        source.Append("using static ReadmeGiven;\n")
            .Append("public static class Snippet\n{\n    public static async System.Threading.Tasks.Task RunAsync()\n    {\n#line 1\n")
            .Append(statements)
            .Append("#line default\n        await System.Threading.Tasks.Task.CompletedTask;\n    }\n}\n")
            .Append(types)
            .Append("#line default\n")
            .Append(Given);
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"line {d.Location.GetMappedLineSpan().StartLinePosition.Line + 1}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
    }

    private static string RepositoryFile(string relativePath)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LakeFs.Core.sln")))
            {
                return Path.Combine(folder.FullName, relativePath);
            }
        }
        throw new InvalidOperationException("No LakeFs.Core.sln above " + AppContext.BaseDirectory);
    }

    [Test]
    public async Task Every_csharp_block_of_the_readme_compiles()
    {
        var (blocks, failures) = await CompileBlocksAsync("README.md");
        Assert.That(blocks, Is.GreaterThanOrEqualTo(10), "the README's C# blocks were found");
        Assert.That(failures, Is.Empty);
    }

    /// <summary>Each package's README (packed as the package's page) compiles on its own.</summary>
    [TestCase("LakeFs.Core/README.md")]
    [TestCase("LakeFs.Storage/README.md")]
    [TestCase("LakeFs.Storage.S3/README.md")]
    [TestCase("LakeFs.Storage.Azure/README.md")]
    [TestCase("LakeFs.Storage.Gcs/README.md")]
    [TestCase("LakeFs.Gateway/README.md")]
    [TestCase("LakeFs.Extensions.DependencyInjection/README.md")]
    [TestCase("LakeFs.RefStore.PostgreSql/README.md")]
    public async Task Every_csharp_block_of_a_package_readme_compiles(string path)
    {
        var (blocks, failures) = await CompileBlocksAsync(path);
        Assert.That(blocks, Is.GreaterThanOrEqualTo(1), "the README has an example");
        Assert.That(failures, Is.Empty);
    }

    private static async Task<(int Blocks, List<string> Failures)> CompileBlocksAsync(string path)
    {
        var blocks = CSharpBlocks(await File.ReadAllTextAsync(RepositoryFile(path)));
        var usings = new List<string>(ImplicitUsings);
        var failures = new List<string>();
        foreach (var (line, code) in blocks)
        {
            foreach (var error in Compile(code, usings))
            {
                failures.Add($"{path} block starting at line {line}, {error}");
            }
            usings.AddRange(code.Split('\n').Where(l => UsingDirective().IsMatch(l)).Select(l => l.Trim()[6..^1]).Except(usings));
        }
        return (blocks.Count, failures);
    }

    /// <summary>
    /// A block may declare a type (a hosted service, say) after its statements, as a program's top-level statements
    /// may: the types go beside the snippet's method, each with a #line of its place in the block, and their lines
    /// are left blank in the statements so the others keep their numbers.
    /// </summary>
    private static (string Statements, string Types) SplitTypeDeclarations(string body)
    {
        var root = CSharpSyntaxTree.ParseText(body, new CSharpParseOptions(LanguageVersion.Latest)).GetCompilationUnitRoot();
        var declarations = root.Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax>().ToList();
        if (declarations.Count == 0)
        {
            return (body, "");
        }
        var lines = body.Split('\n');
        var types = new StringBuilder();
        foreach (var declaration in declarations)
        {
            var span = declaration.GetLocation().GetLineSpan();
            int first = span.StartLinePosition.Line, last = span.EndLinePosition.Line;
            types.Append("#line ").Append(first + 1).Append('\n');
            for (var line = first; line <= last; line++)
            {
                types.Append(lines[line]).Append('\n');
                lines[line] = "";
            }
        }
        return (string.Join('\n', lines), types.ToString());
    }

    [Test]
    public void A_block_may_declare_a_type_after_its_statements()
    {
        const string block = "var n = new Counter().Next();\n\nsealed class Counter\n{\n    public int Next() => 1;\n}\n";
        Assert.That(Compile(block, ImplicitUsings), Is.Empty);
        Assert.That(Compile(block.Replace("=> 1", "=> \"one\"", StringComparison.Ordinal), ImplicitUsings),
            Has.Some.StartsWith("line 5: CS0029"), "an error in the type names its line in the block");
    }

    [Test]
    public void A_block_that_misses_a_using_or_calls_what_does_not_exist_fails()
    {
        // The README once used LocalObjectStore without `using LakeFs.Storage.Local;`.
        var core = ImplicitUsings.Append("LakeFs.Core").ToList();
        const string block = "var options = new RepositoryOptions { ObjectStore = new LocalObjectStore(\"/mnt/lake\"), RefStore = new SqliteRefStoreOptions(\"refs.db\") };\n";
        Assert.That(Compile(block, core), Has.Some.Contains("CS0246").And.Some.Contains("LocalObjectStore"));
        Assert.That(Compile("using LakeFs.Storage.Local;\n" + block, core), Is.Empty);
        Assert.That(Compile("await repo.CommitAsync(\"main\");\n", core), Has.Some.Contains("CS7036"), "a missing argument");
        Assert.That(Compile("await repo.CommitAsync(\"main\", \"message\");\n", core), Is.Empty);
    }

    [Test]
    public void Blocks_are_found_with_their_lines()
    {
        var blocks = CSharpBlocks("text\n```csharp\nint a = 1;\n```\n```bash\nls\n```\n```csharp\r\nint b = 2;\r\n```\n");
        Assert.That(blocks, Is.EqualTo(new[] { (3, "int a = 1;\n"), (9, "int b = 2;\n") }));
    }
}
