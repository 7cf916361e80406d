-- +goose Up
-- The digest of the submission an Idempotency-Key was first used for: the
-- same key with a different body is refused instead of answered with the
-- first case.
ALTER TABLE cases ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN request_hash;
