using System.Globalization;

namespace WalSync.Tests.Nested;

/// <summary>
/// A seeded random workload over the tables of <see cref="NestedSchema"/>: inserts, updates of plain and referencing
/// columns (moves between parents, references set to NULL), deletes and truncates. Every statement keeps the foreign
/// keys valid by itself (a reference to a missing row becomes NULL or the statement does nothing), so any order runs.
/// </summary>
internal sealed class NestedWorkload
{
    private readonly Random _random;

    /// <summary>Creates the workload of <paramref name="seed"/>.</summary>
    public NestedWorkload(int seed) => _random = new Random(seed);

    /// <summary>The statements of one transaction: one to four operations.</summary>
    public List<string> NextTransaction()
    {
        var statements = new List<string>();
        for (var i = _random.Next(1, 5); i > 0; i--)
        {
            statements.AddRange(NextOperation());
        }
        return statements;
    }

    private IEnumerable<string> NextOperation()
    {
        var (u, o, p, c, d, r, t) = (Key(15), Key(8), Key(30), Key(5), Key(20), Key(40), Key(6));
        var text = $"'{Word()}'";
        return _random.Next(32) switch
        {
            0 => [$"INSERT INTO users VALUES ({u}, {text}, {Bool()}) ON CONFLICT (id) DO UPDATE SET name = excluded.name"],
            1 => [$"UPDATE users SET name = {text}, active = {Bool()} WHERE id = {u}"],
            2 => [$"DELETE FROM members WHERE user_id = {u}", $"DELETE FROM users WHERE id = {u}"],
            3 => [$"INSERT INTO organizations VALUES ({o}, {text}, date '2020-01-01' + {Key(900)}) ON CONFLICT (id) DO UPDATE SET name = excluded.name"],
            4 or 5 => [$"UPDATE organizations SET name = {(_random.Next(5) == 0 ? "NULL" : text)} WHERE id = {o}"],
            6 => [$"DELETE FROM members WHERE org_id = {o}", $"UPDATE projects SET org_id = NULL WHERE org_id = {o}", $"DELETE FROM organizations WHERE id = {o}"],
            7 or 8 => [$"INSERT INTO members SELECT u.id, o.id FROM users u, organizations o WHERE u.id = {u} AND o.id = {o} ON CONFLICT DO NOTHING"],
            9 => [$"DELETE FROM members WHERE user_id = {u} AND org_id = (SELECT min(org_id) FROM members WHERE user_id = {u})"],
            10 => [$"UPDATE members SET org_id = {o} WHERE user_id = {u} AND org_id = (SELECT min(org_id) FROM members WHERE user_id = {u}) " +
                   $"AND EXISTS (SELECT FROM organizations WHERE id = {o}) AND NOT EXISTS (SELECT FROM members WHERE user_id = {u} AND org_id = {o})"],
            11 or 12 => [$"INSERT INTO projects VALUES ({p}, (SELECT id FROM organizations WHERE id = {o}), {text}, {Key(100)}.5) " +
                         "ON CONFLICT (id) DO UPDATE SET title = excluded.title, budget = excluded.budget"],
            13 => [$"UPDATE projects SET title = {text}, budget = {(_random.Next(4) == 0 ? "NULL" : Key(1000).ToString(CultureInfo.InvariantCulture))} WHERE id = {p}"],
            14 or 15 => [$"UPDATE projects SET org_id = {(_random.Next(5) == 0 ? "NULL" : $"(SELECT id FROM organizations WHERE id = {o})")} WHERE id = {p}"],
            16 => [$"DELETE FROM projects WHERE id = {p}"],
            17 => [$"INSERT INTO categories VALUES ({c}, {text}) ON CONFLICT (id) DO UPDATE SET name = excluded.name"],
            18 => [$"UPDATE categories SET name = {text} WHERE id = {c}"],
            19 => [$"UPDATE products SET category_id = NULL WHERE category_id = {c}", $"DELETE FROM categories WHERE id = {c}"],
            20 => [$"INSERT INTO products VALUES ({d}, {text}, {Key(500)}.25, (SELECT id FROM categories WHERE id = {c})) " +
                   "ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price"],
            21 => [$"UPDATE products SET category_id = {(_random.Next(4) == 0 ? "NULL" : $"(SELECT id FROM categories WHERE id = {c})")} WHERE id = {d}"],
            22 => [$"DELETE FROM reviews WHERE product_id = {d}", $"DELETE FROM product_tags WHERE product_id = {d}", $"DELETE FROM products WHERE id = {d}"],
            23 or 24 => [$"INSERT INTO reviews SELECT {r}, id, {Key(5)}, {text} FROM products WHERE id = {d} ON CONFLICT (id) DO UPDATE SET stars = excluded.stars, body = excluded.body"],
            25 => [$"UPDATE reviews SET product_id = (SELECT id FROM products WHERE id = {d}), body = {text} WHERE id = {r}"],
            26 => [$"DELETE FROM reviews WHERE id = {r}"],
            27 => [$"INSERT INTO tags VALUES ({t}, {text}) ON CONFLICT (id) DO UPDATE SET label = excluded.label"],
            28 => [$"DELETE FROM product_tags WHERE tag_id = {t}", $"DELETE FROM tags WHERE id = {t}"],
            29 => [$"INSERT INTO product_tags SELECT p.id, t.id FROM products p, tags t WHERE p.id = {d} AND t.id = {t} ON CONFLICT DO NOTHING"],
            30 => [$"DELETE FROM product_tags WHERE product_id = {d}"],
            _ => [_random.Next(4) switch { 0 => "TRUNCATE projects", 1 => "TRUNCATE reviews", 2 => "TRUNCATE product_tags", _ => "TRUNCATE members" }],
        };
    }

    private int Key(int max) => _random.Next(1, max + 1);

    private string Bool() => _random.Next(3) switch { 0 => "NULL", 1 => "true", _ => "false" };

    private string Word() => "w" + _random.Next(1000).ToString(CultureInfo.InvariantCulture);
}
