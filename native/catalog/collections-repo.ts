import { StudioError } from '../api/errors';
import type { Db } from './sqlite';

export interface CollectionRow {
  id: number;
  name: string;
  count: number;
  createdAt: number;
}

function duplicate(name: string): StudioError {
  return new StudioError('CONFLICT', `There is already a collection called “${name}”.`, 'Choose another name, or add to the existing collection.');
}

/** Named sets of outputs (an output can be in several); removing a collection keeps its outputs. */
export class CollectionsRepository {
  constructor(private readonly db: Db) {}

  list(): CollectionRow[] {
    return this.db
      .prepare(
        `SELECT c.id, c.name, c.created_at AS createdAt,
           (SELECT count(*) FROM collection_items ci JOIN outputs o ON o.id = ci.output_id WHERE ci.collection_id = c.id AND o.deleted_at IS NULL) AS count
         FROM collections c ORDER BY c.name COLLATE NOCASE`,
      )
      .all() as CollectionRow[];
  }

  get(id: number): CollectionRow {
    const found = this.list().find((c) => c.id === id);
    if (!found) throw new StudioError('NOT_FOUND', `No collection with id ${id}.`, 'It may have been removed; reload the page.');
    return found;
  }

  create(name: string): CollectionRow {
    try {
      const info = this.db.prepare('INSERT INTO collections (name, created_at) VALUES (?, ?)').run(name, Date.now());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw duplicate(name);
      throw error;
    }
  }

  rename(id: number, name: string): CollectionRow {
    try {
      if (this.db.prepare('UPDATE collections SET name = ? WHERE id = ?').run(name, id).changes === 0) return this.get(id);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw duplicate(name);
      throw error;
    }
    return this.get(id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM collections WHERE id = ?').run(id).changes > 0;
  }

  /** Adds outputs (ids that do not exist are skipped); returns how many were not in it yet. */
  add(id: number, outputIds: readonly number[]): number {
    this.get(id);
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO collection_items (collection_id, output_id, added_at) SELECT ?, id, ? FROM outputs WHERE id = ?',
    );
    const now = Date.now();
    return this.db.transaction(() => outputIds.reduce((n, outputId) => n + insert.run(id, now, outputId).changes, 0))();
  }

  removeItems(id: number, outputIds: readonly number[]): number {
    const remove = this.db.prepare('DELETE FROM collection_items WHERE collection_id = ? AND output_id = ?');
    return this.db.transaction(() => outputIds.reduce((n, outputId) => n + remove.run(id, outputId).changes, 0))();
  }
}
