-- +goose Up
-- Hits per key in a fixed window, shared by every API process: a limit
-- kept in one process's memory multiplies by the number of processes.
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start INTEGER NOT NULL, -- Unix seconds
    hits         INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- +goose Down
DROP TABLE rate_limits;
