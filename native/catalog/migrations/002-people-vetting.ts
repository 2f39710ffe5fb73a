import type { Migration } from './index';

/**
 * People's photos, vetting, crops and frozen sample-set versions.
 * - people: the training resolution and the crop padding policy chosen for the person;
 * - photos: where a photo came from, when it was vetted (verdict NULL = not vetted yet), why vetting could not
 *   run, the override's time, extra caption words, the user's crop nudge, and a soft delete (a photo that is
 *   part of a frozen version must stay readable);
 * - photo_crops: the current face crop of a photo at one size (a derived object in the store);
 * - sample_sets / sample_set_items: what a version froze (trigger, class, settings; each item's source photo
 *   hash, crop and caption), immutable by trigger.
 */
const migration: Migration = {
  version: 2,
  name: 'people-vetting',
  sql: `
ALTER TABLE people ADD COLUMN crop_size INTEGER NOT NULL DEFAULT 512 CHECK (crop_size IN (512, 768, 1024));
ALTER TABLE people ADD COLUMN crop_padding TEXT NOT NULL DEFAULT 'shift' CHECK (crop_padding IN ('shift', 'mirror'));

ALTER TABLE photos ADD COLUMN format TEXT;
ALTER TABLE photos ADD COLUMN source_path TEXT;
ALTER TABLE photos ADD COLUMN vetted_at INTEGER;
ALTER TABLE photos ADD COLUMN vet_error TEXT;
ALTER TABLE photos ADD COLUMN overridden_at INTEGER;
ALTER TABLE photos ADD COLUMN caption_extra TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN crop_nudge TEXT;
ALTER TABLE photos ADD COLUMN removed_at INTEGER;
CREATE INDEX photos_by_person ON photos (person_id, removed_at, id);
CREATE INDEX photos_by_verdict ON photos (person_id, verdict);

CREATE TABLE photo_crops (
  photo_id   INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  size       INTEGER NOT NULL,
  -- What the crop was made from (face, nudge, policy, algorithm version): a different key means re-render.
  params_key TEXT NOT NULL,
  crop_hash  TEXT NOT NULL REFERENCES objects(hash),
  info       TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (photo_id, size)
) WITHOUT ROWID;

ALTER TABLE sample_sets ADD COLUMN trigger_word TEXT NOT NULL DEFAULT '';
ALTER TABLE sample_sets ADD COLUMN class_word TEXT NOT NULL DEFAULT '';
ALTER TABLE sample_sets ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

ALTER TABLE sample_set_items ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sample_set_items ADD COLUMN source_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sample_set_items ADD COLUMN crop_info TEXT NOT NULL DEFAULT '{}';

-- A version records what a LoRA was trained on: it never changes once written.
CREATE TRIGGER sample_sets_immutable BEFORE UPDATE OF person_id, version, crop_size, trigger_word, class_word, settings, created_at ON sample_sets
BEGIN SELECT RAISE(ABORT, 'sample set versions are immutable'); END;
CREATE TRIGGER sample_set_items_immutable BEFORE UPDATE ON sample_set_items
BEGIN SELECT RAISE(ABORT, 'sample set versions are immutable'); END;

CREATE INDEX models_by_person ON models (person_id, sample_set_id);
`,
};
export default migration;
