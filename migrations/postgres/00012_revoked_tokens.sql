-- +goose Up
-- Sign-ins ended before their token expired. Tokens are signed and carry
-- their own expiry, so without this list a token copied from a browser
-- that signed out would still work until it expires. A row is useless
-- once its token has expired and is pruned then.
CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY,    -- the token's jti claim
    expires_at BIGINT NOT NULL      -- Unix seconds: when the token expires anyway
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- +goose Down
DROP TABLE revoked_tokens;
