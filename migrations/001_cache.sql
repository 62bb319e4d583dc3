-- tierup cache in PostgreSQL (CacheMode.POSTGRES): a key/value cache with expiry.
-- UNLOGGED: no WAL, so writes are cheap and the table is emptied after a crash (and is not
-- copied to replicas) -- the right trade for a cache, never for data you must keep.
-- Idempotent: the app may run it at every start.

CREATE UNLOGGED TABLE IF NOT EXISTS tierup_cache (
    key        text        PRIMARY KEY,
    value      jsonb       NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS tierup_cache_expires_at ON tierup_cache (expires_at);

-- Store a value for ttl_seconds (upsert).
CREATE OR REPLACE FUNCTION tierup_cache_set(p_key text, p_value jsonb, p_ttl_seconds integer)
RETURNS void
LANGUAGE sql
AS $$
    INSERT INTO tierup_cache (key, value, expires_at)
    VALUES (p_key, p_value, now() + make_interval(secs => p_ttl_seconds))
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at;
$$;

-- The value, or NULL when absent or expired (an expired row is never served, even before cleanup).
CREATE OR REPLACE FUNCTION tierup_cache_get(p_key text)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
    SELECT value FROM tierup_cache WHERE key = p_key AND expires_at > now();
$$;

-- Delete expired rows, at most p_limit at a time so a cleanup never holds locks for long;
-- returns how many were removed. Run it from the app or a scheduled task.
CREATE OR REPLACE FUNCTION tierup_cache_cleanup(p_limit integer DEFAULT 10000)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    removed integer;
BEGIN
    DELETE FROM tierup_cache
    WHERE ctid IN (SELECT ctid FROM tierup_cache WHERE expires_at <= now() LIMIT p_limit);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;
