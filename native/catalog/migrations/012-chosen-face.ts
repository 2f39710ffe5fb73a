import type { Migration } from './index';

/**
 * The face the user chose in a photo of several people (an index into the faces the detector found, largest
 * first). Kept apart from the measures, which vetting rewrites: a photo vetted again keeps the user's choice.
 * Null: Likeness chooses (the dominant face, or the one that looks like the person's other photos).
 */
const migration: Migration = {
  version: 12,
  name: 'chosen-face',
  sql: `
ALTER TABLE photos ADD COLUMN chosen_face INTEGER CHECK (chosen_face IS NULL OR chosen_face >= 0);
`,
};
export default migration;
