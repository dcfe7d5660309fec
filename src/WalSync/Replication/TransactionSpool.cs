using System.Buffers.Binary;
using NpgsqlTypes;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// The messages of one in-progress transaction that PostgreSQL streams before its commit, kept in a temporary file
/// until the commit replays them or an abort drops them. Each record is the WAL end (Int64), the length (Int32) and the
/// message as pgoutput sends it outside a stream, i.e. without the transaction id that follows the type byte in a stream.
/// </summary>
/// <remarks>
/// The file is unlinked as soon as it is open (on Linux and macOS), so a killed process leaves nothing behind and the
/// disk space returns when the handle closes. A subtransaction abort cuts the file at the first message of that
/// subtransaction: up to the abort, every later message belongs to it or to a subtransaction inside it, as PostgreSQL's
/// own apply worker assumes (src/backend/replication/logical/worker.c, <c>subxact_info_add</c>).
/// </remarks>
internal sealed class TransactionSpool : IDisposable
{
    private const int HeaderBytes = 12;
    private readonly FileStream _file;
    private readonly byte[] _header = new byte[HeaderBytes];
    private byte[] _record = new byte[4096];

    /// <summary>Where each subtransaction's first message starts in the file, in bytes.</summary>
    private readonly Dictionary<uint, long> _subtransactions = [];

    /// <summary>Opens an empty spool for transaction <paramref name="transactionId"/> in <paramref name="directory"/>.</summary>
    /// <exception cref="ConfigurationException">The directory does not exist or is not writable.</exception>
    /// <exception cref="IOException">The file could not be created (e.g. the disk is full).</exception>
    public TransactionSpool(uint transactionId, string directory)
    {
        TransactionId = transactionId;
        var path = Path.Combine(directory, $"walsync-{Environment.ProcessId}-{transactionId}-{Guid.NewGuid():N}.stream");
        try
        {
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 18,
                OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException)
        {
            throw new ConfigurationException($"WalSync cannot keep transaction {transactionId}, which PostgreSQL streams before its " +
                $"commit, in {directory}: {e.Message} Set TMPDIR to a writable directory with room for the largest transaction, " +
                "or set Postgres:StreamLargeTransactions to false.", e);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(path);
        }
    }

    /// <summary>Describes <paramref name="directory"/> as a place for spools: its file system and free space
    /// ("/tmp/ (ext4, 60.8 GiB free)"), and what is wrong with it, if anything: it does not exist, or it is a tmpfs, where
    /// a transaction waiting for its commit takes as much memory as its changes (/tmp is one on some distributions).</summary>
    public static (string Description, string? Problem) Describe(string directory)
    {
        const string Fix = "Set TMPDIR to a writable directory with room for the largest transaction.";
        try
        {
            if (!Directory.Exists(directory))
            {
                return (directory, $"{directory} does not exist: a transaction larger than logical_decoding_work_mem will stop WalSync with exit code 2. {Fix}");
            }
            var drive = new DriveInfo(directory);
            var free = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{drive.AvailableFreeSpace / (1024.0 * 1024 * 1024):0.0} GiB free");
            return drive.DriveType == DriveType.Ram
                ? ($"{directory} ({drive.DriveFormat}, in memory, {free})", $"{directory} is a {drive.DriveFormat}, held in memory: a transaction " +
                    "waiting there for its commit takes as much memory as its changes. Set TMPDIR to a directory on disk with room for the largest transaction.")
                : ($"{directory} ({drive.DriveFormat}, {free})", null);
        }
        catch (Exception e) when (e is DriveNotFoundException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (directory, $"{directory} cannot be used ({e.Message}): a transaction larger than logical_decoding_work_mem will stop WalSync " +
                $"with exit code 2. {Fix}");
        }
    }

    /// <summary>The top-level transaction id.</summary>
    public uint TransactionId { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Bytes => _file.Length;

    /// <summary>Adds a message of (sub)transaction <paramref name="transactionId"/>: <paramref name="typeByte"/> followed by
    /// <paramref name="body"/>, the message's bytes after its transaction id.</summary>
    public void Append(uint transactionId, byte typeByte, ReadOnlySpan<byte> body, NpgsqlLogSequenceNumber walEnd)
    {
        if (transactionId != TransactionId)
        {
            _subtransactions.TryAdd(transactionId, _file.Position);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(_header, (ulong)walEnd);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(8), body.Length + 1);
        _file.Write(_header);
        _file.WriteByte(typeByte);
        _file.Write(body);
    }

    /// <summary>Drops the messages of subtransaction <paramref name="subtransactionId"/> and of those begun after it.</summary>
    public void AbortSubtransaction(uint subtransactionId)
    {
        if (!_subtransactions.TryGetValue(subtransactionId, out var start))
        {
            return; // none of its messages were streamed
        }
        _file.Flush();
        _file.SetLength(start);
        _file.Position = start;
        foreach (var (id, offset) in _subtransactions)
        {
            if (offset >= start)
            {
                _subtransactions.Remove(id);
            }
        }
    }

    /// <summary>Moves to the start to read the messages back with <see cref="TryRead"/>.</summary>
    public void Rewind()
    {
        _file.Flush();
        _file.Position = 0;
    }

    /// <summary>Reads the next message; its bytes stay valid until the next call.</summary>
    /// <exception cref="InvalidDataException">The file ends inside a record.</exception>
    public bool TryRead(out ReadOnlyMemory<byte> message, out NpgsqlLogSequenceNumber walEnd)
    {
        message = default;
        walEnd = default;
        var read = _file.ReadAtLeast(_header, HeaderBytes, throwOnEndOfStream: false);
        if (read == 0)
        {
            return false;
        }
        if (read < HeaderBytes)
        {
            throw new InvalidDataException("A streamed transaction's temporary file ends inside a record header.");
        }
        walEnd = new NpgsqlLogSequenceNumber(BinaryPrimitives.ReadUInt64LittleEndian(_header));
        var length = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(8));
        if (length > _record.Length)
        {
            _record = new byte[Math.Max(length, _record.Length * 2)];
        }
        _file.ReadExactly(_record, 0, length);
        message = _record.AsMemory(0, length);
        return true;
    }

    /// <summary>Closes the file, which frees its disk space.</summary>
    public void Dispose() => _file.Dispose();
}
