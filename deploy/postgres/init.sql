-- First start of the compose PostgreSQL: one role and database for
-- assistflow, one role and two databases for Temporal. Local use only;
-- production passwords come from a secret store.
CREATE ROLE assistflow LOGIN PASSWORD 'assistflow';
CREATE DATABASE assistflow OWNER assistflow;
CREATE ROLE temporal LOGIN PASSWORD 'temporal';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
