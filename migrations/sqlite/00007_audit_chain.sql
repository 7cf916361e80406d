-- +goose Up
-- The audit trail is a hash chain per chain key (the county-level region
-- path, or '' for national events): each event stores its place in the
-- chain (seq), the hash of the event before it and its own hash, so editing
-- or deleting a stored event breaks every link after it. audit_heads holds
-- each chain's last seq and hash; appends update that row inside their
-- transaction, which serializes appenders of one chain across processes.
-- Events written before this migration are chained by the application the
-- first time it opens the database (store.Migrate).
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_events_chain_seq ON audit_events (chain, seq) WHERE seq > 0;

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

-- +goose Down
DROP TABLE audit_heads;
DROP INDEX audit_events_chain_seq;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
ALTER TABLE audit_events DROP COLUMN seq;
ALTER TABLE audit_events DROP COLUMN chain;
