using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Protocol;

/// <summary>Writes S3's XML responses (the 2006-03-01 namespace) and error documents.</summary>
internal static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(false),
        // Keys may hold characters XML 1.0 cannot carry; S3 sends them as character references too.
        CheckCharacters = false,
    };

    public static async Task WriteAsync(HttpResponse response, int status, string root, Action<XmlWriter> body, bool withNamespace = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Settings))
        {
            writer.WriteStartDocument();
            if (withNamespace)
            {
                writer.WriteStartElement(root, Namespace);
            }
            else
            {
                writer.WriteStartElement(root);
            }
            body(writer);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext context, S3Exception error, string resource)
    {
        var response = context.Response;
        response.Headers["x-amz-request-id"] = context.TraceIdentifier;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            // A HEAD response has no body: the status and the error code header say it all.
            response.StatusCode = error.Status;
            response.Headers["x-amz-error-code"] = error.Code;
            return Task.CompletedTask;
        }
        return WriteAsync(response, error.Status, "Error", w =>
        {
            w.WriteElementString("Code", error.Code);
            w.WriteElementString("Message", error.Message);
            w.WriteElementString("Resource", resource);
            w.WriteElementString("RequestId", context.TraceIdentifier);
        }, withNamespace: false);
    }

    /// <summary>S3's timestamp form in XML: 2024-01-31T12:34:56.789Z.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
