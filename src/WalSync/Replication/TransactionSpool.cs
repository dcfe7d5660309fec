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
    private const string Fix = "Set TMPDIR to a writable directory with room for the largest transaction, or set Postgres:StreamLargeTransactions " +
        "to false (the WAL sender then spills such transactions to disk on the server).";

    private readonly FileStream _file;
    private readonly string _directory;
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
        _directory = directory;
        try
        {
            _file = Create(directory, transactionId);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException)
        {
            throw new ConfigurationException($"WalSync cannot keep transaction {transactionId}, which PostgreSQL streams before its " +
                $"commit, in {directory}: {e.Message} {Fix}", e);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw Full(e);
        }
    }

    /// <summary>Describes <paramref name="directory"/> as a place for spools: its file system and free space
    /// ("/tmp/ (ext4, 60.8 GiB free)"), and what is wrong with it, if anything: it does not exist or a file cannot be
    /// created in it (<c>Unusable</c>: <c>walsync run</c> refuses to start), or it is a tmpfs, where a transaction waiting for
    /// its commit takes as much memory as its changes (/tmp is one on some distributions).</summary>
    public static (string Description, string? Problem, bool Unusable) Describe(string directory)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                return (directory, $"{directory} does not exist, and WalSync keeps there each transaction that PostgreSQL streams before its commit. {Fix}", true);
            }
            Create(directory, 0).Dispose();
            var drive = new DriveInfo(directory);
            var free = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{drive.AvailableFreeSpace / (1024.0 * 1024 * 1024):0.0} GiB free");
            return drive.DriveType == DriveType.Ram
                ? ($"{directory} ({drive.DriveFormat}, in memory, {free})", $"{directory} is a {drive.DriveFormat}, held in memory: a transaction " +
                    "waiting there for its commit takes as much memory as its changes. Set TMPDIR to a directory on disk with room for the largest transaction.", false)
                : ($"{directory} ({drive.DriveFormat}, {free})", null, false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (directory, $"{directory} cannot be used ({e.Message}), and WalSync keeps there each transaction that PostgreSQL streams before " +
                $"its commit. {Fix}", true);
        }
    }

    /// <summary>Creates a file in <paramref name="directory"/> and unlinks it at once (on Linux and macOS).</summary>
    private static FileStream Create(string directory, uint transactionId)
    {
        var path = Path.Combine(directory, $"walsync-{Environment.ProcessId}-{transactionId}-{Guid.NewGuid():N}.stream");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 18,
            OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(path);
        }
        return file;
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
        try
        {
            _file.Write(_header);
            _file.WriteByte(typeByte);
            _file.Write(body);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw Full(e);
        }
    }

    /// <summary>Drops the messages of subtransaction <paramref name="subtransactionId"/> and of those begun after it.</summary>
    public void AbortSubtransaction(uint subtransactionId)
    {
        if (!_subtransactions.TryGetValue(subtransactionId, out var start))
        {
            return; // none of its messages were streamed
        }
        Flush();
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
        Flush();
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
    public void Dispose()
    {
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // The buffered tail could not be written (the disk is full): it is dropped with the rest, the handle is closed.
        }
    }

    private void Flush()
    {
        try
        {
            _file.Flush();
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw Full(e);
        }
    }

    /// <summary>ENOSPC or EDQUOT (Linux), which .NET reports as an <see cref="IOException"/> whose HResult is the errno.</summary>
    private static bool IsDiskFull(IOException e) => e.HResult is 28 or 122;

    /// <summary>A transient error (the pipeline restarts, and the server streams the transaction again) that says where
    /// and what to do.</summary>
    private IOException Full(IOException e) => new($"{_directory} is full: WalSync could not keep transaction {TransactionId} there, which " +
        $"PostgreSQL streams before its commit ({e.Message.Split(" : '")[0]}). Nothing of it is acknowledged, so it is streamed again when WalSync tries again. " +
        $"Free space in {_directory}, or {char.ToLowerInvariant(Fix[0])}{Fix[1..]}", e);
}
