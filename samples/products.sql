-- The products example. Run it as a superuser (or the tables' owner) in the database WalSync watches:
--   psql -U postgres -d shop -f samples/products.sql
-- docker-compose.yml runs it when it creates the database shop. It can run again: it skips what exists.
CREATE TABLE IF NOT EXISTS products (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_name text NOT NULL,
    description text,
    price numeric(10, 2) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    user_id uuid NOT NULL
);
INSERT INTO products (product_name, description, price, user_id)
SELECT 'Product ' || g, 'A sturdy product number ' || g, round((random() * 100 + 1)::numeric, 2), gen_random_uuid()
FROM generate_series(1, 1000) AS g
WHERE NOT EXISTS (SELECT FROM products);

-- The role WalSync logs in as (samples/walsync.json), with the rights README.md lists and no more:
-- LOGIN and REPLICATION to stream from its slot, SELECT to backfill the table. Change the password outside a sample.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'walsync') THEN
        CREATE ROLE walsync WITH LOGIN REPLICATION PASSWORD 'change-me';
    END IF;
END
$$;
GRANT SELECT ON products TO walsync;

-- What WalSync would otherwise create itself, made here by the tables' owner so that the walsync role needs neither
-- CREATE on the database nor ownership of the tables (CREATE PUBLICATION ... FOR TABLE takes both): the publication,
-- the dead-letter table and the backfill progress table, with the rights to write them. WalSync uses them as they are.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'walsync') THEN
        CREATE PUBLICATION walsync FOR TABLE products WITH (publish_via_partition_root = true);
    END IF;
END
$$;
CREATE SCHEMA IF NOT EXISTS walsync;
CREATE TABLE IF NOT EXISTS walsync.dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    collection text NOT NULL,
    document_id text NOT NULL,
    key text[] NOT NULL,
    operation text NOT NULL,
    lsn pg_lsn,
    error text NOT NULL,
    document text,
    retried_at timestamptz);
-- Where backfills keep their progress, so that a stopped WalSync resumes them after the last chunk it wrote.
CREATE TABLE IF NOT EXISTS walsync.backfills (
    slot text NOT NULL,
    table_name text NOT NULL,
    collection text NOT NULL,
    last_key text[],
    rows_done bigint NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (slot, table_name, collection));
GRANT USAGE ON SCHEMA walsync TO walsync;
GRANT SELECT, INSERT, UPDATE ON walsync.dead_letters TO walsync;
GRANT SELECT, INSERT, UPDATE, DELETE ON walsync.backfills TO walsync;
