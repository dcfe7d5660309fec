namespace WalSync.Cli.Demo;

/// <summary>The SQL that fills the demo's <c>products</c> table.</summary>
public static class DemoWorkload
{
    /// <summary>A <c>SELECT</c> of <paramref name="count"/> product rows for <c>INSERT INTO products (product_name, description, price, user_id)</c>.</summary>
    public static string Rows(int count, string prefix = "Product") =>
        $"SELECT '{prefix} ' || g, 'A sturdy {prefix.ToLowerInvariant()} number ' || g || ' for everyday use', " +
        $"round((random() * 100 + 1)::numeric, 2), gen_random_uuid() FROM generate_series(1, {count}) AS g";
}
