using System.Net.Sockets;
using System.Text;

namespace LakeFs.Gateway.Tests.TestSupport;

/// <summary>
/// Sends an HTTP/1.1 request byte for byte over a socket (HttpClient would normalise "../" in paths and refuse to
/// send a body shorter than its Content-Length) and reads the status line and body.
/// </summary>
public static class RawHttp
{
    public static async Task<(int Status, string Body)> SendAsync(
        string endpoint, string method, string target, IDictionary<string, string> headers, byte[]? body = null, bool closeAfterBody = false)
    {
        var uri = new Uri(endpoint);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (!headers.Keys.Any(k => k.Equals("content-length", StringComparison.OrdinalIgnoreCase)))
        {
            head.Append("content-length: ").Append(body?.Length ?? 0).Append("\r\n");
        }
        head.Append("connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        if (body is not null)
        {
            await stream.WriteAsync(body);
        }
        if (closeAfterBody)
        {
            // A client that goes away mid-upload: no response is read.
            client.Client.Shutdown(SocketShutdown.Both);
            return (0, "");
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var bodyStart = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, bodyStart < 0 ? "" : response[(bodyStart + 4)..]);
    }
}
