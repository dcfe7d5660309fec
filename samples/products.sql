-- The products example: run it in the database WalSync watches.
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
FROM generate_series(1, 1000) AS g;

-- A role for WalSync: REPLICATION to stream from the slot, SELECT to copy the tables.
-- CREATE ROLE walsync WITH LOGIN REPLICATION PASSWORD 'change-me';
-- GRANT SELECT ON products TO walsync;
-- GRANT CREATE ON DATABASE shop TO walsync;  -- for the publication and the walsync.dead_letters table
