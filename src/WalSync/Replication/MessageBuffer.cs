namespace WalSync.Replication;

/// <summary>
/// Where each XLogData message is copied out of Npgsql's buffer before it is decoded: Npgsql reuses its buffer and skips
/// unread data on the next MoveNextAsync. 64 KiB usually; it grows for a larger message and shrinks back after it, so one
/// huge row does not keep its buffer for the rest of the run. Used by the reading loop only.
/// </summary>
internal sealed class MessageBuffer
{
    private const int UsualBytes = 64 * 1024;
    private byte[] _bytes = new byte[UsualBytes];

    /// <summary>Reads the whole message from <paramref name="data"/>; the bytes stay valid until the next call.</summary>
    /// <remarks>Not cancelled by a stop request: a half-read message would leave the protocol out of step; only the end of
    /// replication (<paramref name="cancellationToken"/>) cuts it.</remarks>
    public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(Stream data, CancellationToken cancellationToken)
    {
        if (_bytes.Length > UsualBytes)
        {
            _bytes = new byte[UsualBytes];
        }
        var length = 0;
        while (true)
        {
            if (length == _bytes.Length)
            {
                Array.Resize(ref _bytes, _bytes.Length * 2);
            }
            var read = await data.ReadAsync(_bytes.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return _bytes.AsMemory(0, length);
            }
            length += read;
        }
    }
}
