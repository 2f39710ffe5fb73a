import type { Migration } from './index';

/** The first schema: people, photos, sample sets, models, jobs, outputs with provenance, reviews, tags. */
const migration: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE people (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL COLLATE NOCASE UNIQUE,
  trigger_word TEXT NOT NULL,
  class_word   TEXT NOT NULL DEFAULT 'person',
  notes        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- Every file in objects/ has a row; reconciliation on start compares the two.
CREATE TABLE objects (
  hash          TEXT PRIMARY KEY,
  size          INTEGER NOT NULL,
  mime          TEXT NOT NULL,
  width         INTEGER,
  height        INTEGER,
  duration_ms   INTEGER,
  created_at    INTEGER NOT NULL,
  missing_since INTEGER
) WITHOUT ROWID;

CREATE TABLE photos (
  id               INTEGER PRIMARY KEY,
  person_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  object_hash      TEXT NOT NULL REFERENCES objects(hash),
  thumb_hash       TEXT REFERENCES objects(hash),
  original_name    TEXT NOT NULL,
  width            INTEGER NOT NULL,
  height           INTEGER NOT NULL,
  verdict          TEXT CHECK (verdict IN ('accepted', 'rejected', 'review')),
  reasons          TEXT NOT NULL DEFAULT '[]',
  measures         TEXT NOT NULL DEFAULT '{}',
  override_verdict TEXT CHECK (override_verdict IN ('accepted', 'rejected', 'review')),
  override_reason  TEXT,
  caption          TEXT,
  imported_at      INTEGER NOT NULL,
  UNIQUE (person_id, object_hash)
);

CREATE TABLE sample_sets (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  version    INTEGER NOT NULL,
  crop_size  INTEGER NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (person_id, version)
);

CREATE TABLE sample_set_items (
  sample_set_id INTEGER NOT NULL REFERENCES sample_sets(id) ON DELETE CASCADE,
  photo_id      INTEGER NOT NULL REFERENCES photos(id),
  crop_hash     TEXT NOT NULL REFERENCES objects(hash),
  caption       TEXT NOT NULL,
  PRIMARY KEY (sample_set_id, photo_id)
) WITHOUT ROWID;

CREATE TABLE models (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL,
  family         TEXT,
  name           TEXT NOT NULL,
  path           TEXT NOT NULL,
  sha256         TEXT,
  size           INTEGER,
  license        TEXT,
  commercial_use INTEGER,
  person_id      INTEGER REFERENCES people(id) ON DELETE SET NULL,
  sample_set_id  INTEGER REFERENCES sample_sets(id) ON DELETE SET NULL,
  meta           TEXT NOT NULL DEFAULT '{}',
  installed_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  resource         TEXT NOT NULL CHECK (resource IN ('cpu', 'gpu')),
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
  title            TEXT NOT NULL,
  input            TEXT NOT NULL,
  progress         REAL NOT NULL DEFAULT 0,
  message          TEXT,
  done_count       INTEGER,
  total_count      INTEGER,
  result           TEXT,
  error            TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  owner            TEXT,
  heartbeat_at     INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER
);
CREATE INDEX jobs_by_status ON jobs (status, id);

-- Provenance: the fields people filter and sort on are columns; everything else is in provenance (JSON).
CREATE TABLE outputs (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('image', 'video')),
  object_hash     TEXT NOT NULL UNIQUE REFERENCES objects(hash),
  thumb_hash      TEXT REFERENCES objects(hash),
  width           INTEGER NOT NULL,
  height          INTEGER NOT NULL,
  duration_ms     INTEGER,
  source          TEXT NOT NULL,
  generator       TEXT,
  job_id          INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  person_id       INTEGER REFERENCES people(id) ON DELETE SET NULL,
  batch_id        TEXT,
  template        TEXT,
  model           TEXT,
  model_hash      TEXT,
  loras           TEXT NOT NULL DEFAULT '[]',
  prompt          TEXT,
  negative_prompt TEXT,
  seed            INTEGER,
  steps           INTEGER,
  scheduler       TEXT,
  guidance        REAL,
  provider        TEXT,
  app_version     TEXT,
  timings         TEXT,
  provenance      TEXT NOT NULL DEFAULT '{}',
  original_name   TEXT,
  original_path   TEXT,
  created_at      INTEGER NOT NULL,
  deleted_at      INTEGER
);
CREATE INDEX outputs_by_date   ON outputs (deleted_at, created_at, id);
CREATE INDEX outputs_by_person ON outputs (person_id, created_at);
CREATE INDEX outputs_by_seed   ON outputs (seed);

-- One row per output, created with it, so review filters are a plain join.
CREATE TABLE reviews (
  output_id  INTEGER PRIMARY KEY REFERENCES outputs(id) ON DELETE CASCADE,
  flag       TEXT CHECK (flag IN ('pick', 'reject')),
  stars      INTEGER NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
  label      TEXT CHECK (label IN ('red', 'yellow', 'green', 'blue', 'purple')),
  note       TEXT NOT NULL DEFAULT '',
  updated_at INTEGER
);
CREATE INDEX reviews_by_flag  ON reviews (flag, stars);
CREATE INDEX reviews_by_stars ON reviews (stars);

CREATE TABLE tags (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE
);

CREATE TABLE output_tags (
  output_id INTEGER NOT NULL REFERENCES outputs(id) ON DELETE CASCADE,
  tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (output_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX output_tags_by_tag ON output_tags (tag_id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`,
};
export default migration;
