// Second-process probe for the reopen tests: opens the repository in <folder> and runs commands in order,
// separated by "--" (one process start per batch keeps the tests fast). Output goes to stdout.
//   put <branch> <path> <text>      stage an object
//   commit <branch> <message>       commit, print the commit id
//   branch <name> <from>            create a branch
//   tag <name> <ref>                create a tag
//   read <ref> <path>               print the object's text
//   show                            print branches (with listings) and tags
using System.Text;
using LakeFs.Core;

if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: probe <folder> <command> [arguments] [-- <command> [arguments]]...");
    return 2;
}

await using var repo = await Repository.OpenAsync(args[0]);
var commands = new List<List<string>> { new() };
foreach (var arg in args.Skip(1))
{
    if (arg == "--")
    {
        commands.Add([]);
    }
    else
    {
        commands[^1].Add(arg);
    }
}

foreach (var command in commands)
{
    switch (command[0])
    {
        case "put":
            using (var content = new MemoryStream(Encoding.UTF8.GetBytes(command[3])))
            {
                await repo.PutObjectAsync(command[1], command[2], content);
            }
            break;
        case "commit":
            Console.WriteLine((await repo.CommitAsync(command[1], command[2])).Id);
            break;
        case "branch":
            await repo.BranchAsync(command[1], command[2]);
            break;
        case "tag":
            await repo.TagAsync(command[1], command[2]);
            break;
        case "read":
            var stream = await repo.OpenReadAsync(command[1], command[2]);
            await using (stream)
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                Console.WriteLine(await reader.ReadToEndAsync());
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
            await Console.Error.WriteLineAsync($"unknown command '{command[0]}'");
            return 2;
    }
}
return 0;
