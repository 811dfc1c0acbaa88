-- modeltop recording schema (reference copy).
--
-- The C code (src/store.c, the migrations array) creates and upgrades
-- recordings; this file holds the same SQL, migration by migration, so
-- that a person or another program can read it.  tests/unit/test_store.c
-- checks that the two agree.  docs/storage.md explains every column and
-- the encoding of the BLOBs.
--
-- Set before the first table, outside any transaction (the store does):
--   PRAGMA page_size = 4096;
--   PRAGMA auto_vacuum = INCREMENTAL;
--   PRAGMA journal_mode = WAL;
-- and after the migrations:
--   PRAGMA application_id = 1297370960;	-- 0x4d544f50, "MTOP"
--   PRAGMA user_version = 3;		-- the schema version
--
-- meta rows: app = 'modeltop', schema_version, created_ms,
-- chunk_span_max_ms, writer_pid.

-- Migration 1: the first schema.
CREATE TABLE meta (
	key	TEXT PRIMARY KEY NOT NULL,
	value
);
CREATE TABLE series (
	id	INTEGER PRIMARY KEY,
	worker	TEXT NOT NULL,
	metric	TEXT NOT NULL,
	labels	TEXT NOT NULL DEFAULT '',
	UNIQUE (worker, metric, labels)
);
CREATE TABLE chunks (
	id		INTEGER PRIMARY KEY,
	series_id	INTEGER NOT NULL REFERENCES series (id),
	t_first		INTEGER NOT NULL,
	t_last		INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	data		BLOB NOT NULL
);
CREATE TABLE seals (
	id	INTEGER PRIMARY KEY AUTOINCREMENT,
	t_min	INTEGER NOT NULL,
	t_max	INTEGER NOT NULL,
	n	INTEGER NOT NULL,
	pg_lo	INTEGER,
	pg_hi	INTEGER
);
CREATE INDEX seals_time ON seals (t_min, t_max);
CREATE TABLE tail (
	id	INTEGER PRIMARY KEY,
	epoch	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	data	BLOB NOT NULL
);
CREATE TABLE events (
	id	INTEGER PRIMARY KEY,
	ts	INTEGER NOT NULL,
	worker	TEXT,
	kind	TEXT NOT NULL,
	text	TEXT NOT NULL
);
CREATE INDEX events_ts ON events (ts);

-- Migration 2: incidents (error sessions) and their timelines.
CREATE TABLE incidents (
	id		INTEGER PRIMARY KEY,
	worker		TEXT NOT NULL,
	class		TEXT NOT NULL,
	severity	TEXT NOT NULL,
	strategy	TEXT,
	opened		INTEGER NOT NULL,
	last_trigger	INTEGER NOT NULL,
	resolved	INTEGER,
	resolved_by	TEXT,
	acked		INTEGER,
	acked_by	TEXT,
	trigger_text	TEXT,
	count		INTEGER NOT NULL DEFAULT 1,
	signature	INTEGER,
	exc_type	TEXT,
	exc_message	TEXT
);
CREATE INDEX incidents_opened ON incidents (opened);
CREATE TABLE incident_timeline (
	id		INTEGER PRIMARY KEY,
	incident_id	INTEGER NOT NULL REFERENCES incidents (id),
	ts		INTEGER NOT NULL,
	kind		TEXT NOT NULL,
	text		TEXT NOT NULL,
	severity	TEXT
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);

-- Migration 3: the audit trail of recovery actions.
CREATE TABLE actions (
	id		INTEGER PRIMARY KEY,
	ts		INTEGER NOT NULL,
	worker		TEXT NOT NULL,
	pid		INTEGER,
	action		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	who		TEXT NOT NULL,
	target		TEXT NOT NULL,
	result		TEXT NOT NULL,
	status		INTEGER,
	output		TEXT,
	metric		TEXT,
	before		REAL,
	after		REAL,
	verdict		TEXT NOT NULL,
	summary		TEXT NOT NULL,
	incident_id	INTEGER,
	job		TEXT,
	duration_ms	INTEGER NOT NULL
);
CREATE INDEX actions_ts ON actions (ts);
CREATE INDEX actions_worker ON actions (worker, ts);
