namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// Plays a proxy that alters uploads: flips the first byte of every non-empty PUT body (except an Azure block list),
/// keeping its length and headers, so a request signature still holds and only the content differs.
/// </summary>
internal sealed class FlipFirstByteHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public FlipFirstByteHandler()
        : this(new SocketsHttpHandler())
    {
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Put && request.Content is { } content
            && !(request.RequestUri?.Query.Contains("comp=blocklist", StringComparison.Ordinal) ?? false))
        {
            var body = await content.ReadAsByteArrayAsync(cancellationToken);
            if (body.Length > 0)
            {
                body[0] ^= 0xFF;
                var altered = new ByteArrayContent(body);
                foreach (var header in content.Headers)
                {
                    altered.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                request.Content = altered;
            }
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
