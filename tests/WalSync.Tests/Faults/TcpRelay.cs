using System.Net;
using System.Net.Sockets;

namespace WalSync.Tests.Faults;

/// <summary>
/// A TCP relay on a fixed local port in front of a server. <see cref="Stop"/> closes the port and resets every
/// relayed connection, so clients get "connection refused" exactly as from a Typesense node that went down, while
/// the server behind it keeps its data; <see cref="Start"/> opens the same port again.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;

    /// <summary>Guards <see cref="_listener"/>, <see cref="_connections"/> and <see cref="_stop"/>.</summary>
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();

    public TcpRelay(Uri target, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        Port = port;
    }

    /// <summary>The relay's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The relay as a base URL.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>A relay to <paramref name="target"/> on a free port, not listening yet.</summary>
    public static TcpRelay Create(Uri target)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return new TcpRelay(target, ((IPEndPoint)probe.LocalEndpoint).Port);
    }

    /// <summary>Opens the port and relays every connection.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _stop = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptAsync(_listener, _stop.Token);
        }
    }

    /// <summary>Closes the port and resets every relayed connection.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stop.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var connection in _connections)
            {
                connection.Client.LingerState = new LingerOption(true, 0);
                connection.Dispose();
            }
            _connections.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = RelayAsync(client, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var server = new TcpClient();
        lock (_gate)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                server.Dispose();
                return;
            }
            _connections.Add(client);
            _connections.Add(server);
        }
        try
        {
            await server.ConnectAsync(_target, cancellationToken);
            var up = client.GetStream().CopyToAsync(server.GetStream(), cancellationToken);
            var down = server.GetStream().CopyToAsync(client.GetStream(), cancellationToken);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A stopped relay or a closed peer ends the connection; the client sees it as a network failure.
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(client);
                _connections.Remove(server);
            }
            client.Dispose();
            server.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
