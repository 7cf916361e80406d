-- +goose Up
-- Updates the API has sent to a case's workflow and not yet seen
-- answered. A decision's database writes run inside the workflow task that
-- accepts it, and Temporal makes an Update durable only when that task
-- completes: a crash in between can leave the writes without the Update.
-- A row stays until the Update is answered (accepted and finished, or
-- refused), so an Update cut off by a crash is sent again, with its own
-- id, by whichever API process sweeps first.
CREATE TABLE update_outbox (
    update_id   TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    payload     BLOB NOT NULL,
    created_at  INTEGER NOT NULL, -- Unix milliseconds
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL  -- Unix milliseconds: not swept before
);
CREATE INDEX update_outbox_next ON update_outbox (next_at);

-- +goose Down
DROP TABLE update_outbox;
