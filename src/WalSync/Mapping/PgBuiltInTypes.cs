namespace WalSync.Mapping;

/// <summary>
/// The built-in column types of PostgreSQL 15 (<c>pg_type</c> rows with OID &lt; 10000 and <c>typtype</c> b, r or m)
/// and their array types. Built-in OIDs are hand-assigned and stable across server versions.
/// </summary>
/// <remarks>Taken from <c>SELECT oid, typname, typtype, typarray, typdelim FROM pg_type</c> on a 15.18 server.</remarks>
internal static class PgBuiltInTypes
{
    private const PgTypeKind B = PgTypeKind.Base;
    private const PgTypeKind R = PgTypeKind.Range;
    private const PgTypeKind M = PgTypeKind.Multirange;

    /// <summary>Every built-in scalar type followed by its array type (named <c>_</c> + the element's name).</summary>
    public static IEnumerable<PgTypeInfo> All()
    {
        foreach (var (oid, name, kind, arrayOid, delimiter) in Scalars)
        {
            yield return new PgTypeInfo(oid, "pg_catalog", name, kind, 0, 0, delimiter);
            if (arrayOid != 0)
            {
                yield return new PgTypeInfo(arrayOid, "pg_catalog", "_" + name, PgTypeKind.Array, oid, 0, ',');
            }
        }
    }

    private static readonly (uint Oid, string Name, PgTypeKind Kind, uint ArrayOid, char Delimiter)[] Scalars =
    [
        (16, "bool", B, 1000, ','),
        (17, "bytea", B, 1001, ','),
        (18, "char", B, 1002, ','),
        (19, "name", B, 1003, ','),
        (20, "int8", B, 1016, ','),
        (21, "int2", B, 1005, ','),
        (22, "int2vector", B, 1006, ','),
        (23, "int4", B, 1007, ','),
        (24, "regproc", B, 1008, ','),
        (25, "text", B, 1009, ','),
        (26, "oid", B, 1028, ','),
        (27, "tid", B, 1010, ','),
        (28, "xid", B, 1011, ','),
        (29, "cid", B, 1012, ','),
        (30, "oidvector", B, 1013, ','),
        (114, "json", B, 199, ','),
        (142, "xml", B, 143, ','),
        (194, "pg_node_tree", B, 0, ','),
        (600, "point", B, 1017, ','),
        (601, "lseg", B, 1018, ','),
        (602, "path", B, 1019, ','),
        (603, "box", B, 1020, ';'),
        (604, "polygon", B, 1027, ','),
        (628, "line", B, 629, ','),
        (650, "cidr", B, 651, ','),
        (700, "float4", B, 1021, ','),
        (701, "float8", B, 1022, ','),
        (718, "circle", B, 719, ','),
        (774, "macaddr8", B, 775, ','),
        (790, "money", B, 791, ','),
        (829, "macaddr", B, 1040, ','),
        (869, "inet", B, 1041, ','),
        (1033, "aclitem", B, 1034, ','),
        (1042, "bpchar", B, 1014, ','),
        (1043, "varchar", B, 1015, ','),
        (1082, "date", B, 1182, ','),
        (1083, "time", B, 1183, ','),
        (1114, "timestamp", B, 1115, ','),
        (1184, "timestamptz", B, 1185, ','),
        (1186, "interval", B, 1187, ','),
        (1266, "timetz", B, 1270, ','),
        (1560, "bit", B, 1561, ','),
        (1562, "varbit", B, 1563, ','),
        (1700, "numeric", B, 1231, ','),
        (1790, "refcursor", B, 2201, ','),
        (2202, "regprocedure", B, 2207, ','),
        (2203, "regoper", B, 2208, ','),
        (2204, "regoperator", B, 2209, ','),
        (2205, "regclass", B, 2210, ','),
        (2206, "regtype", B, 2211, ','),
        (2950, "uuid", B, 2951, ','),
        (2970, "txid_snapshot", B, 2949, ','),
        (3220, "pg_lsn", B, 3221, ','),
        (3361, "pg_ndistinct", B, 0, ','),
        (3402, "pg_dependencies", B, 0, ','),
        (3614, "tsvector", B, 3643, ','),
        (3615, "tsquery", B, 3645, ','),
        (3642, "gtsvector", B, 3644, ','),
        (3734, "regconfig", B, 3735, ','),
        (3769, "regdictionary", B, 3770, ','),
        (3802, "jsonb", B, 3807, ','),
        (3904, "int4range", R, 3905, ','),
        (3906, "numrange", R, 3907, ','),
        (3908, "tsrange", R, 3909, ','),
        (3910, "tstzrange", R, 3911, ','),
        (3912, "daterange", R, 3913, ','),
        (3926, "int8range", R, 3927, ','),
        (4072, "jsonpath", B, 4073, ','),
        (4089, "regnamespace", B, 4090, ','),
        (4096, "regrole", B, 4097, ','),
        (4191, "regcollation", B, 4192, ','),
        (4451, "int4multirange", M, 6150, ','),
        (4532, "nummultirange", M, 6151, ','),
        (4533, "tsmultirange", M, 6152, ','),
        (4534, "tstzmultirange", M, 6153, ','),
        (4535, "datemultirange", M, 6155, ','),
        (4536, "int8multirange", M, 6157, ','),
        (4600, "pg_brin_bloom_summary", B, 0, ','),
        (4601, "pg_brin_minmax_multi_summary", B, 0, ','),
        (5017, "pg_mcv_list", B, 0, ','),
        (5038, "pg_snapshot", B, 5039, ','),
        (5069, "xid8", B, 271, ','),
    ];
}
