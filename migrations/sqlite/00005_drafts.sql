-- +goose Up
-- The one editable draft of each definition key, kept apart from the
-- immutable versions in definitions so that "the next version" and the
-- built-in bootstrap (which counts a key's versions) never see it.
CREATE TABLE definition_drafts (
    key        TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- Maker-checker: a publish or activation one administrator asked for and a
-- second must approve. A publish request holds the draft as it was asked
-- for, so the approver approves exactly what they reviewed.
CREATE TABLE definition_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('publish', 'activate')),
    key          TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 0,
    region_code  TEXT NOT NULL DEFAULT '',
    region_path  TEXT NOT NULL DEFAULT '',
    body         TEXT,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved')),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    approved_by  INTEGER REFERENCES users (id),
    approved_at  TIMESTAMP
);
CREATE INDEX definition_requests_status ON definition_requests (status, id);

-- +goose Down
DROP TABLE definition_requests;
DROP TABLE definition_drafts;
