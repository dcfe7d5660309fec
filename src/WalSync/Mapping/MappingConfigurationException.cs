namespace WalSync.Mapping;

/// <summary>
/// The table's configuration does not fit the relation: a Columns, ExcludeColumns or SoftDeleteColumn entry names no
/// column, a key column is excluded or not published, or the table has no key. The message names the table, the
/// column and the fix.
/// </summary>
public sealed class MappingConfigurationException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public MappingConfigurationException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public MappingConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public MappingConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
