import type { Migration } from './index';

/**
 * Review: full-text search (FTS5) over prompts, tags and notes; LoRAs as rows (the filter is an index
 * lookup, not a JSON scan); collections; indexes for the filters and groupings of the review grid; review
 * fields copied onto outputs so every grid query is one index range scan (no join, see bench/review).
 * Triggers keep all of it in step whatever code writes outputs, reviews or tags (import and generation
 * jobs run on their own connections).
 */
const migration: Migration = {
  version: 4,
  name: 'review',
  sql: `
-- ---- review fields on outputs (the reviews table stays the record; triggers copy its fields) ----------
ALTER TABLE outputs ADD COLUMN flag TEXT;
ALTER TABLE outputs ADD COLUMN stars INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outputs ADD COLUMN label TEXT;
UPDATE outputs SET (flag, stars, label) = (SELECT r.flag, r.stars, r.label FROM reviews r WHERE r.output_id = outputs.id)
  WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.output_id = outputs.id);

CREATE TRIGGER reviews_copy_insert AFTER INSERT ON reviews BEGIN
  UPDATE outputs SET flag = new.flag, stars = new.stars, label = new.label WHERE id = new.output_id;
END;
CREATE TRIGGER reviews_copy_update AFTER UPDATE OF flag, stars, label ON reviews BEGIN
  UPDATE outputs SET flag = new.flag, stars = new.stars, label = new.label WHERE id = new.output_id;
END;

-- The grid's orders (date, flag, stars) carry the review fields too, so a filter on any of them combined with
-- any of these orders is answered from the index alone (bench/review: stars >= 4 from 41 to 11 ms at 100k).
DROP INDEX outputs_by_date;
CREATE INDEX outputs_by_date      ON outputs (deleted_at, created_at, id, flag, stars, label);
CREATE INDEX outputs_by_flag      ON outputs (deleted_at, flag, created_at, id, stars, label);
CREATE INDEX outputs_by_stars     ON outputs (deleted_at, stars, created_at, id, flag, label);
CREATE INDEX outputs_by_label     ON outputs (label, created_at) WHERE label IS NOT NULL;
CREATE INDEX outputs_by_model     ON outputs (model, created_at) WHERE model IS NOT NULL;
CREATE INDEX outputs_by_template  ON outputs (template, created_at) WHERE template IS NOT NULL;
CREATE INDEX outputs_by_provider  ON outputs (provider, created_at) WHERE provider IS NOT NULL;
CREATE INDEX outputs_by_generator ON outputs (generator) WHERE generator IS NOT NULL;
CREATE INDEX outputs_by_kind      ON outputs (kind);
CREATE INDEX outputs_by_batch     ON outputs (batch_id, created_at) WHERE batch_id IS NOT NULL;
CREATE INDEX outputs_by_thumb     ON outputs (thumb_hash) WHERE thumb_hash IS NOT NULL;
CREATE INDEX outputs_deleted      ON outputs (deleted_at) WHERE deleted_at IS NOT NULL;

-- ---- LoRAs: one row per output and LoRA name ------------------------------------------------------
CREATE TABLE output_loras (
  output_id INTEGER NOT NULL REFERENCES outputs(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  weight    REAL,
  PRIMARY KEY (output_id, name)
) WITHOUT ROWID;
CREATE INDEX output_loras_by_name ON output_loras (name, output_id);

INSERT OR IGNORE INTO output_loras (output_id, name, weight)
  SELECT o.id, json_extract(j.value, '$.name'), json_extract(j.value, '$.weight')
  FROM outputs o, json_each(o.loras) j
  WHERE json_valid(o.loras) AND json_extract(j.value, '$.name') IS NOT NULL;

CREATE TRIGGER outputs_loras_insert AFTER INSERT ON outputs WHEN json_valid(new.loras) BEGIN
  INSERT OR IGNORE INTO output_loras (output_id, name, weight)
    SELECT new.id, json_extract(j.value, '$.name'), json_extract(j.value, '$.weight') FROM json_each(new.loras) j
    WHERE json_extract(j.value, '$.name') IS NOT NULL;
END;
CREATE TRIGGER outputs_loras_update AFTER UPDATE OF loras ON outputs BEGIN
  DELETE FROM output_loras WHERE output_id = new.id;
  INSERT OR IGNORE INTO output_loras (output_id, name, weight)
    SELECT new.id, json_extract(j.value, '$.name'), json_extract(j.value, '$.weight') FROM json_each(new.loras) j
    WHERE json_valid(new.loras) AND json_extract(j.value, '$.name') IS NOT NULL;
END;

-- ---- full-text search -----------------------------------------------------------------------------
-- rowid = outputs.id (triggers fire in no guaranteed order, so LoRA names are read from the JSON here). "meta" holds the file name, model, LoRA names and template, so "juggernaut" or
-- "IMG_0042" find outputs too. unicode61 splits words (Latin, Cyrillic, …); CJK text has no spaces and is
-- searched by substring instead (see OutputsRepository).
CREATE VIRTUAL TABLE outputs_fts USING fts5(
  prompt, tags, note, meta,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

INSERT INTO outputs_fts (rowid, prompt, tags, note, meta)
  SELECT o.id, coalesce(o.prompt, ''),
    coalesce((SELECT group_concat(t.name, ' ') FROM output_tags ot JOIN tags t ON t.id = ot.tag_id WHERE ot.output_id = o.id), ''),
    coalesce((SELECT r.note FROM reviews r WHERE r.output_id = o.id), ''),
    concat_ws(' ', o.original_name, o.model, o.template,
      (SELECT group_concat(l.name, ' ') FROM output_loras l WHERE l.output_id = o.id))
  FROM outputs o;

CREATE TRIGGER outputs_fts_insert AFTER INSERT ON outputs BEGIN
  INSERT INTO outputs_fts (rowid, prompt, tags, note, meta)
    VALUES (new.id, coalesce(new.prompt, ''), '', '', concat_ws(' ', new.original_name, new.model, new.template,
      (SELECT group_concat(json_extract(j.value, '$.name'), ' ') FROM json_each(iif(json_valid(new.loras), new.loras, '[]')) j)));
END;
CREATE TRIGGER outputs_fts_update AFTER UPDATE OF prompt, original_name, model, template, loras ON outputs BEGIN
  UPDATE outputs_fts SET prompt = coalesce(new.prompt, ''), meta = concat_ws(' ', new.original_name, new.model, new.template,
      (SELECT group_concat(json_extract(j.value, '$.name'), ' ') FROM json_each(iif(json_valid(new.loras), new.loras, '[]')) j))
    WHERE rowid = new.id;
END;
CREATE TRIGGER outputs_fts_delete AFTER DELETE ON outputs BEGIN
  DELETE FROM outputs_fts WHERE rowid = old.id;
END;
CREATE TRIGGER reviews_fts_note AFTER UPDATE OF note ON reviews BEGIN
  UPDATE outputs_fts SET note = new.note WHERE rowid = new.output_id;
END;
CREATE TRIGGER output_tags_fts_insert AFTER INSERT ON output_tags BEGIN
  UPDATE outputs_fts SET tags = coalesce((SELECT group_concat(t.name, ' ') FROM output_tags ot JOIN tags t ON t.id = ot.tag_id
    WHERE ot.output_id = new.output_id), '') WHERE rowid = new.output_id;
END;
CREATE TRIGGER output_tags_fts_delete AFTER DELETE ON output_tags BEGIN
  UPDATE outputs_fts SET tags = coalesce((SELECT group_concat(t.name, ' ') FROM output_tags ot JOIN tags t ON t.id = ot.tag_id
    WHERE ot.output_id = old.output_id), '') WHERE rowid = old.output_id;
END;

-- ---- collections ----------------------------------------------------------------------------------
CREATE TABLE collections (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE collection_items (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  output_id     INTEGER NOT NULL REFERENCES outputs(id) ON DELETE CASCADE,
  added_at      INTEGER NOT NULL,
  PRIMARY KEY (collection_id, output_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_by_output ON collection_items (output_id);

-- ---- emptying the trash ---------------------------------------------------------------------------
-- Objects whose rows were deleted but whose files may still be on disk: the files go after the rows are
-- committed; a crash in between is finished on the next start (reconcile) instead of leaving orphans.
CREATE TABLE object_purges (
  hash         TEXT PRIMARY KEY,
  requested_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
};
export default migration;
