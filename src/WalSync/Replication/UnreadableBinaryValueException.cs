namespace WalSync.Replication;

/// <summary>
/// pgoutput sent a binary value of a type WalSync does not read in binary (a column added, or a table published, after
/// the stream started). The pipeline restarts from the last acknowledged LSN; at the restart the catalog shows the new
/// type and the stream is asked for in text mode, so nothing is lost.
/// </summary>
internal sealed class UnreadableBinaryValueException : Exception
{
    /// <summary>Creates the exception for <paramref name="what"/> (e.g. "column public.t.c of type OID 869").</summary>
    public UnreadableBinaryValueException(string what)
        : base($"pgoutput sent {what} in binary, a form WalSync does not read; restarting the stream in text mode.")
    {
    }
}
