using System.Globalization;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL image the tests run in, named by <c>WALSYNC_TEST_IMAGE</c> (e.g. <c>walsync-postgres:17-1a2b3c4d5e6f</c>,
/// built by <c>tests/containers/images</c>). When it is not set, the tests use the machine's binaries or
/// <c>WALSYNC_TEST_PG</c>.
/// </summary>
public static class TestImage
{
    /// <summary>The image, or null when the tests do not run in containers.</summary>
    public static string? Name { get; } = Environment.GetEnvironmentVariable("WALSYNC_TEST_IMAGE") is { Length: > 0 } name ? name : null;

    /// <summary>The PostgreSQL major version of <see cref="Name"/>, read from its tag (<c>17-…</c>), or null.</summary>
    public static int? Major { get; } = ParseMajor(Name);

    /// <summary>The <c>postgresql.conf</c> settings every test server gets, as <c>name=value</c>; the same as the
    /// throwaway clusters of <see cref="WalSync.Cli.Demo.PostgresCluster"/>.</summary>
    public static IReadOnlyList<string> ServerSettings { get; } =
    [
        "wal_level=logical",
        "max_wal_senders=40",
        "max_replication_slots=100",
        "logical_decoding_work_mem=64kB",
        "max_connections=100",
        "shared_buffers=128MB",
    ];

    /// <summary>The major version in an image tag such as <c>walsync-postgres:17-1a2b3c</c>.</summary>
    public static int? ParseMajor(string? image)
    {
        if (image is null)
        {
            return null;
        }
        var tag = image[(image.LastIndexOf(':') + 1)..];
        var digits = new string(tag.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;
    }

    /// <summary>A <c>postgresql.conf</c> line (<c>name = 'value'</c>) as a <c>name=value</c> server argument.</summary>
    public static string AsArgument(string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var equals = setting.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new ArgumentException($"Not a setting: {setting}", nameof(setting));
        }
        var value = setting[(equals + 1)..].Trim();
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            value = value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }
        return $"{setting[..equals].Trim()}={value}";
    }
}
