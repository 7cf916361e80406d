-- +goose Up
-- The inbox tab counts read every open task a county official may see (a
-- third of a county's tasks); with only (status, role, region_path, id) in
-- the index each counted task was a table lookup: 0.5 s at 100,000 open
-- tasks (docs/benchmarks.md). Carrying the columns the views filter on
-- lets SQLite count from the index alone.
DROP INDEX tasks_inbox;
CREATE INDEX tasks_inbox ON tasks (status, role, region_path, id, assignee_id, delegate_id, delegate_until, due_at, overdue);

-- The acting-official branch must keep its own index: with tasks_inbox
-- covering delegate_id, a count would otherwise scan every open task.
DROP INDEX tasks_delegate;
CREATE INDEX tasks_delegate ON tasks (status, delegate_id, delegate_until, id, due_at, overdue);

-- +goose Down
DROP INDEX tasks_delegate;
CREATE INDEX tasks_delegate ON tasks (status, delegate_id, id);
DROP INDEX tasks_inbox;
CREATE INDEX tasks_inbox ON tasks (status, role, region_path, id);
