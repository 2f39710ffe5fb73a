import { StudioError } from '../api/errors';
import type { CropPadding, CropSize, Person, PersonDraft } from '../api/namespaces/people';
import type { Db } from './sqlite';

interface PersonRow {
  id: number;
  name: string;
  trigger_word: string;
  class_word: string;
  notes: string;
  crop_size: number;
  crop_padding: string;
  created_at: number;
  updated_at: number;
  photo_count: number;
}

const select = `SELECT p.*, (SELECT count(*) FROM photos ph WHERE ph.person_id = p.id AND ph.removed_at IS NULL) AS photo_count FROM people p`;

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    name: row.name,
    trigger: row.trigger_word,
    classWord: row.class_word,
    notes: row.notes,
    cropSize: row.crop_size as CropSize,
    cropPadding: row.crop_padding as CropPadding,
    photoCount: row.photo_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A rare, short token derived from the name (e.g. "Ada Lovelace" → "adxz") when none is given. */
export function suggestTrigger(name: string, taken: ReadonlySet<string>): string {
  const letters = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z]/g, '');
  const stem = (letters.slice(0, 2) || 'pp') + 'x';
  for (const tail of ['', ...'kvzqjw']) {
    const candidate = `${stem}${tail || 'z'}`;
    if (!taken.has(candidate)) return candidate;
  }
  let n = 2;
  while (taken.has(`${stem}z${n}`)) n++;
  return `${stem}z${n}`;
}

export class PeopleRepository {
  constructor(private readonly db: Db) {}

  list(): Person[] {
    return (this.db.prepare(`${select} ORDER BY p.name`).all() as PersonRow[]).map(toPerson);
  }

  get(id: number): Person {
    const row = this.db.prepare(`${select} WHERE p.id = ?`).get(id) as PersonRow | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No person with id ${id}.`, 'Reload the People page.');
    return toPerson(row);
  }

  findByName(name: string): Person | undefined {
    const row = this.db.prepare(`${select} WHERE p.name = ?`).get(name) as PersonRow | undefined;
    return row && toPerson(row);
  }

  create(
    draft: Required<Omit<PersonDraft, 'trigger' | 'cropSize' | 'cropPadding'>> &
      Pick<PersonDraft, 'cropSize' | 'cropPadding'> & { trigger?: string | undefined },
  ): Person {
    if (this.findByName(draft.name)) {
      throw new StudioError('CONFLICT', `There is already a person called “${draft.name}”.`, 'Choose another name or open the existing person.');
    }
    const taken = new Set(this.db.prepare('SELECT trigger_word FROM people').pluck().all() as string[]);
    const trigger = draft.trigger ?? suggestTrigger(draft.name, taken);
    const now = Date.now();
    const info = this.db
      .prepare(
        'INSERT INTO people (name, trigger_word, class_word, notes, crop_size, crop_padding, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(draft.name, trigger, draft.classWord, draft.notes, draft.cropSize ?? 512, draft.cropPadding ?? 'shift', now, now);
    return this.get(Number(info.lastInsertRowid));
  }

  update(patch: {
    id: number;
    name?: string | undefined;
    trigger?: string | undefined;
    classWord?: string | undefined;
    notes?: string | undefined;
    cropSize?: CropSize | undefined;
    cropPadding?: CropPadding | undefined;
  }): Person {
    const current = this.get(patch.id);
    if (patch.name && patch.name.toLowerCase() !== current.name.toLowerCase() && this.findByName(patch.name)) {
      throw new StudioError('CONFLICT', `There is already a person called “${patch.name}”.`, 'Choose another name.');
    }
    this.db
      .prepare(
        'UPDATE people SET name = ?, trigger_word = ?, class_word = ?, notes = ?, crop_size = ?, crop_padding = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        patch.name ?? current.name,
        patch.trigger ?? current.trigger,
        patch.classWord ?? current.classWord,
        patch.notes ?? current.notes,
        patch.cropSize ?? current.cropSize,
        patch.cropPadding ?? current.cropPadding,
        Date.now(),
        patch.id,
      );
    return this.get(patch.id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM people WHERE id = ?').run(id).changes > 0;
  }
}
