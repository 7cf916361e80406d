-- +goose Up
-- A user's session epoch, carried in every token signed for them. Setting
-- a new password moves it on, which ends every sign-in made before: a
-- password reset after a lost phone or a leaked password must lock out
-- whoever holds the old sessions, not only the old password.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_epoch;
