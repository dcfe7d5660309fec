using WalSync.Mapping;

namespace WalSync.Tests.Mapping;

public class PgTypeCatalogTests
{
    /// <summary>
    /// Built-in types plus: enum mood (50001, array 50011), domain price over numeric (50002, array of the domain
    /// 50012), extension type citext (50003), domain nested over domain big (50005) over bigint (50004).
    /// </summary>
    internal static PgTypeCatalog CatalogWithUserTypes() => PgTypeCatalog.Create(
    [
        new PgTypeInfo(50001, "public", "mood", PgTypeKind.Enum, 0, 0, ','),
        new PgTypeInfo(50011, "public", "_mood", PgTypeKind.Array, 50001, 0, ','),
        new PgTypeInfo(50002, "public", "price", PgTypeKind.Domain, 0, 1700, ','),
        new PgTypeInfo(50012, "public", "_price", PgTypeKind.Array, 50002, 0, ','),
        new PgTypeInfo(50003, "public", "citext", PgTypeKind.Base, 0, 0, ','),
        new PgTypeInfo(50004, "public", "nested", PgTypeKind.Domain, 0, 50005, ','),
        new PgTypeInfo(50005, "public", "big", PgTypeKind.Domain, 0, 20, ','),
    ]);

    [Fact]
    public void BuiltIn_Int4Array_IsArrayOfInt4()
    {
        var array = PgTypeCatalog.BuiltIn.Find(1007);

        Assert.NotNull(array);
        Assert.Equal(PgTypeKind.Array, array.Kind);
        Assert.Equal(23u, array.ElementOid);
        Assert.Equal("_int4", array.Name);
    }

    [Fact]
    public void BuiltIn_Int2Vector_IsNotAnArray()
    {
        Assert.Equal(PgTypeKind.Base, PgTypeCatalog.BuiltIn.Find(22)?.Kind);
        Assert.Equal(PgTypeKind.Base, PgTypeCatalog.BuiltIn.Find(30)?.Kind);
    }

    [Fact]
    public void BuiltIn_Box_HasSemicolonDelimiter()
    {
        Assert.Equal(';', PgTypeCatalog.BuiltIn.Find(603)?.Delimiter);
    }

    [Fact]
    public void Contains_UserTypeOutsideBuiltIn_False()
    {
        Assert.True(PgTypeCatalog.BuiltIn.Contains(25));
        Assert.False(PgTypeCatalog.BuiltIn.Contains(50001));
        Assert.Null(PgTypeCatalog.BuiltIn.Find(50001));
    }

    [Fact]
    public void FindBase_DomainOverDomain_ReturnsBaseType()
    {
        var types = CatalogWithUserTypes();

        Assert.Equal(20u, types.FindBase(50004)?.Oid);
        Assert.Equal(1700u, types.FindBase(50002)?.Oid);
        Assert.Equal(50001u, types.FindBase(50001)?.Oid);
    }

    [Fact]
    public void FindBase_DomainOverUnknownType_ReturnsNull()
    {
        var types = PgTypeCatalog.Create([new PgTypeInfo(50020, "public", "d", PgTypeKind.Domain, 0, 59999, ',')]);

        Assert.Null(types.FindBase(50020));
    }
}
