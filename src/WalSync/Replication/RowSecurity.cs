using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// Row-level security versus the WAL stream: decoding never applies policies, so the stream sends every row, while a
/// SELECT by a role subject to a policy silently returns fewer. A table WalSync reads must be one the role sees whole.
/// </summary>
/// <remarks>Who bypasses policies: superusers, roles with BYPASSRLS, and the table's owner unless FORCE ROW LEVEL
/// SECURITY is set (https://www.postgresql.org/docs/15/ddl-rowsecurity.html).</remarks>
internal static class RowSecurity
{
    /// <summary>An SQL boolean over <c>pg_class c</c> and <c>pg_roles r</c> (the current role): true when the role sees
    /// every row of the table, because policies do not apply to it, or because a permissive SELECT policy for it is
    /// <c>USING (true)</c> and no restrictive one narrows it (permissive policies are ORed, restrictive ones ANDed).</summary>
    public const string SeesAllRowsSql =
        "(NOT c.relrowsecurity OR r.rolsuper OR r.rolbypassrls OR (pg_has_role(r.oid, c.relowner, 'USAGE') AND NOT c.relforcerowsecurity) " +
        "OR (EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd IN ('r', '*') " +
        "AND pg_get_expr(p.polqual, p.polrelid) = 'true' AND " + AppliesToRole + ") " +
        "AND NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND NOT p.polpermissive AND p.polcmd IN ('r', '*') AND " + AppliesToRole + ")))";

    // A policy applies to PUBLIC (role 0) or to roles the current role is a member of.
    private const string AppliesToRole = "(0 = ANY (p.polroles) OR EXISTS (SELECT FROM unnest(p.polroles) AS pr(oid) WHERE pg_has_role(r.oid, pr.oid, 'MEMBER')))";

    /// <summary>The error for a table whose policies would hide rows from <paramref name="role"/>, with both fixes.</summary>
    /// <param name="table">The table, as schema.table.</param>
    /// <param name="role">The role WalSync connects as.</param>
    /// <param name="forced">True when the table has FORCE ROW LEVEL SECURITY (even its owner is filtered).</param>
    public static ConfigurationException HidesRows(string table, string role, bool forced)
    {
        var quotedRole = SourceTable.QuoteIdentifier(role);
        var policy = SourceTable.QuoteIdentifier("walsync_reads_all_" + role);
        return new ConfigurationException(
            $"Row-level security is enabled on {table}{(forced ? " (FORCE ROW LEVEL SECURITY)" : "")} and the role '{role}' does not bypass it, " +
            "so WalSync's copy and read-backs would see only the rows its policies allow while the WAL stream sends them all: the " +
            "collection would silently miss rows. Fix one of these ways: " +
            $"(1) ALTER ROLE {quotedRole} BYPASSRLS; (the role then reads every row of every table; it needs a superuser on PostgreSQL 15, " +
            "or on 16+ a role that has CREATEROLE and BYPASSRLS itself); " +
            $"(2) CREATE POLICY {policy} ON {table} FOR SELECT TO {quotedRole} USING (true); (this table only, reading only; it works where " +
            "no superuser is at hand, on Supabase and RDS alike, and leaves every other role's policies as they are).");
    }
}
