-- +goose Up
-- A task's holder may hand it to an acting official until a time; every
-- action is then recorded as "by the delegate on behalf of the holder".
ALTER TABLE tasks ADD COLUMN delegate_id INTEGER REFERENCES users (id);
ALTER TABLE tasks ADD COLUMN delegate_until TIMESTAMP;
CREATE INDEX tasks_delegate ON tasks (status, delegate_id, id);

-- Evidence and materials: metadata here, bytes behind the blob store.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    uploaded_by  INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (case_id, sha256)
);

-- +goose Down
DROP TABLE attachments;
DROP INDEX tasks_delegate;
ALTER TABLE tasks DROP COLUMN delegate_until;
ALTER TABLE tasks DROP COLUMN delegate_id;
