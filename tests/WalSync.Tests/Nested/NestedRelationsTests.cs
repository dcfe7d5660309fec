using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Nested;

/// <summary>
/// <c>Tables[].Nested</c> resolved against a real catalog: the relation kind from the foreign keys, the errors that
/// stop the start (no foreign key, several, a replica identity without the referencing columns) and the
/// configuration checks that need no database.
/// </summary>
public sealed class NestedRelationsTests : IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("nestedrel");
        await PostgresServer.ExecuteAsync(_database, NestedSchema.Create + """
            CREATE TABLE notes (id integer PRIMARY KEY, body text);
            CREATE TABLE shipments (id integer PRIMARY KEY, from_id integer REFERENCES categories, to_id integer REFERENCES categories);
            CREATE TABLE comments (id integer PRIMARY KEY, product_id integer REFERENCES products, body text);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ResolveAsync_UsersOrganizationsProjects_ManyToManyThenOneToMany()
    {
        var plans = await ResolveAsync("public.users", new NestedOptions
        {
            Field = "organizations", Table = "public.organizations", Through = "public.members", Columns = ["id", "name"],
            Nested = [new NestedOptions { Field = "projects", Table = "public.projects" }],
        });

        var organizations = Assert.Single(plans);
        Assert.Equal(NestedRelationKind.ManyToMany, organizations.Kind);
        Assert.Equal(["id"], organizations.ParentColumns);
        Assert.Equal(["user_id"], organizations.JoinParentColumns);
        Assert.Equal(["org_id"], organizations.JoinChildColumns);
        Assert.Equal(["id", "name"], organizations.Columns.Select(c => c.Name));
        var projects = Assert.Single(organizations.Children);
        Assert.Equal(NestedRelationKind.OneToMany, projects.Kind);
        Assert.Equal(["org_id"], projects.ChildColumns);
        Assert.Same(organizations, projects.Parent);
    }

    [Fact]
    public async Task ResolveAsync_ParentReferencesTable_ManyToOne()
    {
        var category = Assert.Single(await ResolveAsync("public.products", new NestedOptions { Field = "category", Table = "categories" }));

        Assert.Equal(NestedRelationKind.ManyToOne, category.Kind);
        Assert.Equal(["category_id"], category.ParentColumns);
        Assert.Equal(["id"], category.ChildColumns);
    }

    [Fact]
    public async Task ResolveAsync_NoForeignKey_FailsNamingTheTablesAndThrough()
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("public.products", new NestedOptions { Field = "notes", Table = "public.notes" }));

        Assert.Contains("no foreign key links public.products and public.notes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Through", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_SeveralForeignKeys_FailsUntilForeignKeyNamesOne()
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("public.categories", new NestedOptions { Field = "shipments", Table = "public.shipments" }));
        Assert.Contains("several foreign keys link public.categories and public.shipments", error.Message, StringComparison.Ordinal);
        Assert.Contains("ForeignKey", error.Message, StringComparison.Ordinal);

        // shipments has the default replica identity, which lacks to_id: the fix is printed.
        var identity = await Assert.ThrowsAsync<ConfigurationException>(() =>
            ResolveAsync("public.categories", new NestedOptions { Field = "shipments", Table = "public.shipments", ForeignKey = ["to_id"] }));
        Assert.Contains("ALTER TABLE \"public\".\"shipments\" REPLICA IDENTITY FULL;", identity.Message, StringComparison.Ordinal);

        await PostgresServer.ExecuteAsync(_database, "ALTER TABLE shipments REPLICA IDENTITY FULL");
        var shipments = Assert.Single(await ResolveAsync("public.categories", new NestedOptions { Field = "shipments", Table = "public.shipments", ForeignKey = ["to_id"] }));
        Assert.Equal(NestedRelationKind.OneToMany, shipments.Kind);
        Assert.Equal(["to_id"], shipments.ChildColumns);
    }

    [Fact]
    public async Task ResolveAsync_ReferencingColumnsOutsideReplicaIdentity_PrintsTheAlterTable()
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("public.products", new NestedOptions { Field = "comments", Table = "public.comments" }));

        Assert.Contains("product_id", error.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \"public\".\"comments\" REPLICA IDENTITY FULL;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadNestedEntries_NameTheSettings()
    {
        var options = new WalSyncOptions();
        options.Tables.Add(new TableOptions
        {
            Table = "public.users",
            Nested =
            [
                new NestedOptions { Field = "a.b", Table = "public.x" },
                new NestedOptions { Field = "orgs", Table = "", Columns = ["id"], ExcludeColumns = ["name"] },
                new NestedOptions { Field = "orgs", Table = "public.y", ForeignKey = [] },
            ],
        });

        var errors = WalSyncOptionsValidator.Validate(options);

        Assert.Contains(errors, e => e.StartsWith("Tables:0:Nested:0:Field 'a.b'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Tables:0:Nested:1:Table ''", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Tables:0:Nested:1 sets both Columns and ExcludeColumns", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Tables:0:Nested:2:Field 'orgs' is used twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Tables:0:Nested:2:ForeignKey", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<NestedPlan>> ResolveAsync(string root, NestedOptions entry)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        var types = await PgTypeCatalog.LoadAsync(connection, CancellationToken.None);
        var name = root.Split('.')[1];
        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand($"SELECT attname, atttypid FROM pg_attribute WHERE attrelid = '{root}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(new ColumnInfo(reader.GetString(0), reader.GetFieldValue<uint>(1), -1, reader.GetString(0) == "id"));
            }
        }
        var table = new SourceTable(new TableOptions { Table = root, Nested = [entry] }, new RelationInfo(0, "public", name, ReplicaIdentity.Default, columns),
            ["id"], ["integer"], IsPartitioned: false);
        return await NestedRelations.ResolveAsync(connection, table, types, CancellationToken.None);
    }
}
