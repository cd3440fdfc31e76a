using System.Xml;
using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Operations;

/// <summary>DeleteObjects (POST ?delete): up to 1,000 keys, each deleted or reported with its own error.</summary>
internal static class DeleteObjectsOperation
{
    private const int MaxKeys = 1000;
    private const int MaxBodyBytes = 2 * 1024 * 1024;

    public static async Task RunAsync(HttpContext context, Repository repository, Stream body)
    {
        var cancellationToken = context.RequestAborted;
        var (keys, quiet) = await ReadRequestAsync(body, cancellationToken).ConfigureAwait(false);
        var deleted = new List<string>();
        var errors = new List<(string Key, S3Exception Error)>();
        foreach (var key in keys)
        {
            try
            {
                var (branch, path) = await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);
                try
                {
                    await repository.DeleteObjectAsync(branch, path, cancellationToken).ConfigureAwait(false);
                }
                catch (ObjectNotFoundException)
                {
                    // Deleting a missing key succeeds, as on S3.
                }
                deleted.Add(key);
            }
            catch (Exception e) when (ErrorMapper.Map(e, write: true) is { } error)
            {
                errors.Add((key, error));
            }
        }
        await S3Xml.WriteAsync(context.Response, 200, "DeleteResult", w =>
        {
            if (!quiet)
            {
                foreach (var key in deleted)
                {
                    w.WriteStartElement("Deleted");
                    w.WriteElementString("Key", key);
                    w.WriteEndElement();
                }
            }
            foreach (var (key, error) in errors)
            {
                w.WriteStartElement("Error");
                w.WriteElementString("Key", key);
                w.WriteElementString("Code", error.Code);
                w.WriteElementString("Message", error.Message);
                w.WriteEndElement();
            }
        }).ConfigureAwait(false);
    }

    private static async Task<(List<string> Keys, bool Quiet)> ReadRequestAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBodyBytes)
            {
                throw new S3Exception(400, "MalformedXML", $"The DeleteObjects request is larger than {MaxBodyBytes} bytes.");
            }
            buffer.Write(chunk, 0, n);
        }
        buffer.Position = 0;
        var keys = new List<string>();
        var quiet = false;
        try
        {
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            reader.Read();
            while (!reader.EOF)
            {
                // ReadElementContentAsString moves to the node after the element: read on only when it was not used.
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName is not ("Key" or "Quiet"))
                {
                    reader.Read();
                }
                else if (reader.LocalName == "Key")
                {
                    keys.Add(reader.ReadElementContentAsString());
                    if (keys.Count > MaxKeys)
                    {
                        throw new S3Exception(400, "MalformedXML", $"A DeleteObjects request may name at most {MaxKeys} keys.");
                    }
                }
                else if (reader.LocalName == "Quiet")
                {
                    quiet = string.Equals(reader.ReadElementContentAsString().Trim(), "true", StringComparison.OrdinalIgnoreCase);
                }
            }
        }
        catch (XmlException e)
        {
            throw new S3Exception(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", e);
        }
        return (keys, quiet);
    }
}
