-- +goose Up
-- Casbin policies: what each role may do to each kind of object. Grants
-- (user, role, region) stay in the grants table; the rbac adapter reads both.
CREATE TABLE policies (
    role   TEXT NOT NULL,
    object TEXT NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (role, object, action)
);
-- Bumped by every change to grants or policies; other processes poll it.
INSERT INTO settings (key, value) VALUES ('rbac_version', '1');

-- +goose Down
DELETE FROM settings WHERE key = 'rbac_version';
DROP TABLE policies;
