-- +goose Up
-- Cases are projections written by workflow activities; projection_seq lets a
-- late, repeated activity notice that a newer projection already landed.
CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    program              TEXT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions (code),
    region_path          TEXT NOT NULL,
    channel              TEXT NOT NULL,
    status               TEXT NOT NULL,
    applicant_id         INTEGER NOT NULL REFERENCES users (id),
    submitted_by         INTEGER NOT NULL REFERENCES users (id),
    idempotency_key      TEXT NOT NULL,
    definition_key       TEXT NOT NULL,
    definition_version   INTEGER NOT NULL,
    head_name            TEXT NOT NULL,
    household_size       INTEGER NOT NULL,
    category             TEXT NOT NULL DEFAULT '',
    household            TEXT NOT NULL,
    current_stages       TEXT NOT NULL DEFAULT '[]',
    expected_decision_at TIMESTAMP,
    projection_seq       INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX cases_applicant ON cases (applicant_id, id);
CREATE INDEX cases_region ON cases (region_path, id);
CREATE INDEX cases_status ON cases (status, region_path, id);

-- One row per human task. task_key (case/stage/attempt) makes opening a task
-- idempotent under activity retries.
CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    task_key      TEXT NOT NULL UNIQUE,
    workflow_id   TEXT NOT NULL,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    program       TEXT NOT NULL,
    stage         TEXT NOT NULL,
    stage_name    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    region_path   TEXT NOT NULL,
    actions       TEXT NOT NULL DEFAULT '[]',
    status        TEXT NOT NULL CHECK (status IN ('open', 'decided', 'cancelled')),
    assignee_id   INTEGER REFERENCES users (id),
    due_at        TIMESTAMP,
    overdue       BOOLEAN NOT NULL DEFAULT FALSE,
    decision      TEXT NOT NULL DEFAULT '',
    reason_code   TEXT NOT NULL DEFAULT '',
    decided_by    INTEGER REFERENCES users (id),
    on_behalf_of  INTEGER REFERENCES users (id),
    decided_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX tasks_inbox ON tasks (status, role, region_path, id);
CREATE INDEX tasks_assignee ON tasks (status, assignee_id, id);
CREATE INDEX tasks_case ON tasks (case_id, id);

-- The case timeline: what happened, when, by which role. event_key dedupes retries.
CREATE TABLE case_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key    TEXT NOT NULL UNIQUE,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    at           TIMESTAMP NOT NULL,
    stage        TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    actor_id     INTEGER,
    actor_role   TEXT NOT NULL DEFAULT '',
    on_behalf_of INTEGER,
    reason_code  TEXT NOT NULL DEFAULT '',
    comment      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_key  TEXT NOT NULL UNIQUE,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    stage       TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_path TEXT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'cancelled'))
);
CREATE INDEX notices_board ON notices (status, region_path, id);

CREATE TABLE objections (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    objection_key  TEXT NOT NULL UNIQUE,
    case_id        INTEGER NOT NULL REFERENCES cases (id),
    notice_id      INTEGER NOT NULL REFERENCES notices (id),
    filed_by       INTEGER NOT NULL REFERENCES users (id),
    anonymous      BOOLEAN NOT NULL DEFAULT FALSE,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'upheld')),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX objections_case ON objections (case_id);

CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_key TEXT NOT NULL UNIQUE,
    user_id          INTEGER REFERENCES users (id),
    role             TEXT NOT NULL DEFAULT '',
    region_path      TEXT NOT NULL DEFAULT '',
    case_id          INTEGER REFERENCES cases (id),
    kind             TEXT NOT NULL,
    message          TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    read_at          TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_role ON notifications (role, region_path, id);

CREATE TABLE data_check_reports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    report_key TEXT NOT NULL UNIQUE,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    stage      TEXT NOT NULL,
    report     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX data_check_reports_case ON data_check_reports (case_id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key   TEXT NOT NULL UNIQUE,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    region_path TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_object ON audit_events (object, id);

-- Definitions: drafts and immutable published versions of approval chains.
CREATE TABLE definitions (
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    body       TEXT NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (key, version)
);

-- Which published version new cases of a definition start on, per region subtree.
CREATE TABLE definition_activations (
    key         TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_path TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (key, region_code)
);

-- +goose Down
DROP TABLE definition_activations;
DROP TABLE definitions;
DROP TABLE audit_events;
DROP TABLE data_check_reports;
DROP TABLE notifications;
DROP TABLE objections;
DROP TABLE notices;
DROP TABLE case_events;
DROP TABLE tasks;
DROP TABLE cases;
