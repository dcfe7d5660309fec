namespace WalSync.Tests.Operations;

/// <summary>A test that runs the Prometheus server of Debian's <c>prometheus</c> package; skipped, saying how to install it,
/// when the binary is missing.</summary>
public sealed class PrometheusFactAttribute : FactAttribute
{
    /// <summary>Where Debian's package installs the server.</summary>
    public const string Binary = "/usr/bin/prometheus";

    public PrometheusFactAttribute()
    {
        if (!File.Exists(Binary))
        {
            Skip = $"{Binary} is missing: apt-get install -y prometheus";
        }
    }
}
