using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Nested;

/// <summary>
/// The tables of the nested-document tests: users, organizations through members, each organization's projects
/// (three levels, many-to-many then one-to-many); products with their category (many-to-one), reviews (one-to-many)
/// and tags through product_tags (many-to-many). The expected documents are built by PostgreSQL alone with
/// <c>jsonb_build_object</c> and <c>jsonb_agg</c>, not by WalSync.
/// </summary>
internal static class NestedSchema
{
    /// <summary>Creates the tables; referencing columns are published with their old values (REPLICA IDENTITY FULL).</summary>
    public const string Create = """
        CREATE TABLE users (id integer PRIMARY KEY, name text, active boolean);
        CREATE TABLE organizations (id integer PRIMARY KEY, name text, founded date);
        CREATE TABLE members (user_id integer NOT NULL REFERENCES users, org_id integer NOT NULL REFERENCES organizations, PRIMARY KEY (user_id, org_id));
        CREATE TABLE projects (id integer PRIMARY KEY, org_id integer REFERENCES organizations, title text, budget numeric);
        ALTER TABLE projects REPLICA IDENTITY FULL;
        CREATE TABLE categories (id integer PRIMARY KEY, name text);
        CREATE TABLE products (id integer PRIMARY KEY, name text, price numeric, category_id integer REFERENCES categories);
        CREATE TABLE reviews (id integer PRIMARY KEY, product_id integer REFERENCES products, stars smallint, body text);
        ALTER TABLE reviews REPLICA IDENTITY FULL;
        CREATE TABLE tags (id integer PRIMARY KEY, label text);
        CREATE TABLE product_tags (product_id integer NOT NULL REFERENCES products, tag_id integer NOT NULL REFERENCES tags, PRIMARY KEY (product_id, tag_id));
        """;

    /// <summary>A few rows of every table.</summary>
    public const string Seed = """
        INSERT INTO users SELECT g, 'user ' || g, g % 2 = 0 FROM generate_series(1, 6) AS g;
        INSERT INTO organizations SELECT g, 'org ' || g, date '2020-01-01' + g FROM generate_series(1, 4) AS g;
        INSERT INTO members VALUES (1, 1), (1, 2), (2, 2), (3, 3), (4, 1), (4, 3), (5, 4);
        INSERT INTO projects SELECT g, 1 + g % 4, 'project ' || g, g * 1.5 FROM generate_series(1, 10) AS g;
        INSERT INTO categories SELECT g, 'category ' || g FROM generate_series(1, 3) AS g;
        INSERT INTO products SELECT g, 'product ' || g, g + 0.25, CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 3 END FROM generate_series(1, 12) AS g;
        INSERT INTO reviews SELECT g, 1 + g % 12, 1 + g % 5, 'review ' || g FROM generate_series(1, 30) AS g;
        INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 5) AS g;
        INSERT INTO product_tags SELECT p, t FROM generate_series(1, 12) AS p, generate_series(1, 5) AS t WHERE (p + t) % 3 = 0;
        """;

    /// <summary>The expected user documents: id, name, active, organizations (id, name) with their projects.</summary>
    public const string ExpectedUsers = """
        SELECT u.id::text, jsonb_build_object('name', u.name, 'active', u.active, 'organizations',
          (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', o.id, 'name', o.name, 'projects',
             (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', p.id, 'org_id', p.org_id, 'title', p.title, 'budget', p.budget)) ORDER BY p.id), '[]')
              FROM projects p WHERE p.org_id = o.id))) ORDER BY o.id), '[]')
           FROM members m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id))
        FROM users u
        """;

    /// <summary>The expected product documents: the category object (absent without one), reviews and tags.</summary>
    public const string ExpectedProducts = """
        SELECT p.id::text, jsonb_build_object('name', p.name, 'price', p.price, 'category_id', p.category_id,
          'category', (SELECT jsonb_strip_nulls(jsonb_build_object('id', c.id, 'name', c.name)) FROM categories c WHERE c.id = p.category_id),
          'reviews', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', r.id, 'stars', r.stars, 'body', r.body)) ORDER BY r.id), '[]')
                      FROM reviews r WHERE r.product_id = p.id),
          'tags', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', t.id, 'label', t.label)) ORDER BY t.id), '[]')
                   FROM product_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.product_id = p.id))
        FROM products p
        """;

    /// <summary>Options for both root tables with their <c>Nested</c> entries.</summary>
    public static WalSyncOptions Options(SyncHarness harness)
    {
        var options = harness.Options(("public.users", "users"), ("public.products", "products"));
        options.Tables[0].Nested =
        [
            new NestedOptions
            {
                Field = "organizations", Table = "public.organizations", Through = "public.members", Columns = ["id", "name"],
                Nested = [new NestedOptions { Field = "projects", Table = "public.projects" }],
            },
        ];
        options.Tables[1].Nested =
        [
            new NestedOptions { Field = "category", Table = "public.categories" },
            new NestedOptions { Field = "reviews", Table = "public.reviews", ExcludeColumns = ["product_id"] },
            new NestedOptions { Field = "tags", Table = "tags", Through = "public.product_tags" },
        ];
        return options;
    }
}
