// Second-process probe for the reopen tests. Commands (one per run, output on stdout):
//   put <folder> <branch> <path> <text>             stage an object
//   commit <folder> <branch> <message>              commit, print the commit id
//   branch <folder> <name> <from>                   create a branch
//   tag <folder> <name> <ref>                       create a tag
//   read <folder> <ref> <path>                      print the object's text
//   show <folder>                                   print branches, tags and listings
using System.Text;
using LakeFs.Core;
using LakeFs.Core.Model;

if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: probe <command> <folder> [arguments]");
    return 2;
}

await using var repo = await Repository.OpenAsync(args[1]);
switch (args[0])
{
    case "put":
        using (var content = new MemoryStream(Encoding.UTF8.GetBytes(args[4])))
        {
            await repo.PutObjectAsync(args[2], args[3], content);
        }
        break;
    case "commit":
        Console.WriteLine((await repo.CommitAsync(args[2], args[3])).Id);
        break;
    case "branch":
        await repo.BranchAsync(args[2], args[3]);
        break;
    case "tag":
        await repo.TagAsync(args[2], args[3]);
        break;
    case "read":
        var stream = await repo.OpenReadAsync(args[2], args[3]);
        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            Console.Write(await reader.ReadToEndAsync());
        }
        break;
    case "show":
        await foreach (var branch in repo.ListBranchesAsync())
        {
            Console.WriteLine($"branch {branch.Name} {branch.Head}");
            await foreach (var item in repo.ListObjectsAsync(branch.Name))
            {
                Console.WriteLine($"  {item.Path} {item.Object!.Checksum}");
            }
        }
        await foreach (var tag in repo.ListTagsAsync())
        {
            Console.WriteLine($"tag {tag.Name} {tag.CommitId}");
        }
        break;
    default:
        await Console.Error.WriteLineAsync($"unknown command '{args[0]}'");
        return 2;
}
return 0;
