import type { Migration } from './index';

/**
 * The likeness score: how much the face in an output looks like the person.
 * - face_embeddings: the faces found in an image (a person's photo or an output) with one embedding each, per
 *   face-recognition model. Keyed by the image's object so a photo and an output of the same file share
 *   them. A derived cache: it never keeps an object alive (catalog/trash.ts leaves it out of the references) and
 *   its rows go with the object.
 * - output_likeness: an output's score against a reference (a person's profile, or the original photo of a
 *   restoration), with the model, the verdict and the face it was measured on. `reference_key` changes when
 *   the reference changes (new accepted photos, another model), which is how rescoring finds stale rows.
 * - outputs.likeness: a copy of the score, kept by triggers like the review fields, so "sort by likeness" and
 *   "likeness at least N" are one index range on outputs.
 */
const migration: Migration = {
  version: 11,
  name: 'likeness',
  sql: `
CREATE TABLE face_embeddings (
  object_hash   TEXT NOT NULL REFERENCES objects(hash) ON DELETE CASCADE,
  model         TEXT NOT NULL,
  -- JSON [{box:{x,y,width,height}, score, landmarks}] in the image's own pixels, largest first.
  faces         TEXT NOT NULL,
  -- float32 little-endian, faces × dims.
  vectors       BLOB NOT NULL,
  dims          INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (object_hash, model)
) WITHOUT ROWID;

CREATE TABLE output_likeness (
  output_id     INTEGER PRIMARY KEY REFERENCES outputs(id) ON DELETE CASCADE,
  person_id     INTEGER REFERENCES people(id) ON DELETE CASCADE,
  -- 'person:<id>' or 'original:<object hash>' (a restoration against the photo it came from).
  reference     TEXT NOT NULL,
  reference_key TEXT NOT NULL,
  model         TEXT NOT NULL,
  -- 0–100; NULL when the output has no face.
  score         REAL,
  -- The comparison value in the model's metric (cosine similarity or euclidean distance).
  value         REAL,
  verdict       TEXT NOT NULL CHECK (verdict IN ('same', 'unsure', 'different', 'no-face')),
  -- The face scored, in fractions of the image (x, y, width, height), and how many faces there were.
  face          TEXT,
  faces         INTEGER NOT NULL DEFAULT 0,
  -- Clips: {"sampled": n, "mean": score, "worst": score}.
  frames        TEXT,
  scored_at     INTEGER NOT NULL
);
CREATE INDEX output_likeness_by_person ON output_likeness (person_id, reference_key);

ALTER TABLE outputs ADD COLUMN likeness REAL;
CREATE TRIGGER output_likeness_copy_insert AFTER INSERT ON output_likeness BEGIN
  UPDATE outputs SET likeness = new.score WHERE id = new.output_id;
END;
CREATE TRIGGER output_likeness_copy_update AFTER UPDATE OF score ON output_likeness BEGIN
  UPDATE outputs SET likeness = new.score WHERE id = new.output_id;
END;
CREATE TRIGGER output_likeness_copy_delete AFTER DELETE ON output_likeness BEGIN
  UPDATE outputs SET likeness = NULL WHERE id = old.output_id;
END;
-- Sorted by likeness (best first) within the live outputs.
CREATE INDEX outputs_by_likeness ON outputs (deleted_at, likeness, created_at, id);
`,
};
export default migration;
