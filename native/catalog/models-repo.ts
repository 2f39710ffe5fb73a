import type { Db } from './sqlite';

/** A row of `models`: a model folder the user added, a downloaded registry model, or a LoRA file. */
export interface ModelRecord {
  id: string;
  kind: string;
  family: string | null;
  name: string;
  path: string;
  sha256: string | null;
  size: number | null;
  license: string | null;
  commercialUse: boolean | null;
  personId: number | null;
  /** The frozen sample-set version a LoRA was trained on. */
  sampleSetId: number | null;
  meta: Record<string, unknown>;
  installedAt: number;
}

interface ModelRow {
  id: string;
  kind: string;
  family: string | null;
  name: string;
  path: string;
  sha256: string | null;
  size: number | null;
  license: string | null;
  commercial_use: number | null;
  person_id: number | null;
  sample_set_id: number | null;
  meta: string;
  installed_at: number;
}

const toRecord = (row: ModelRow): ModelRecord => ({
  id: row.id,
  kind: row.kind,
  family: row.family,
  name: row.name,
  path: row.path,
  sha256: row.sha256,
  size: row.size,
  license: row.license,
  commercialUse: row.commercial_use === null ? null : row.commercial_use === 1,
  personId: row.person_id,
  sampleSetId: row.sample_set_id,
  meta: JSON.parse(row.meta) as Record<string, unknown>,
  installedAt: row.installed_at,
});

/** The `models` table (created by migration 001): local model folders, downloaded models, LoRAs. */
export class ModelsRepository {
  constructor(private readonly db: Db) {}

  list(kind?: string): ModelRecord[] {
    const rows = (
      kind
        ? this.db.prepare('SELECT * FROM models WHERE kind = ? ORDER BY name').all(kind)
        : this.db.prepare('SELECT * FROM models ORDER BY name').all()
    ) as ModelRow[];
    return rows.map(toRecord);
  }

  get(id: string): ModelRecord | undefined {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  findByPath(kind: string, path: string): ModelRecord | undefined {
    const row = this.db.prepare('SELECT * FROM models WHERE kind = ? AND path = ?').get(kind, path) as ModelRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** LoRAs trained for a person, newest first, with the sample-set version each was trained on. */
  lorasOf(personId: number): (ModelRecord & { version: number | null })[] {
    const rows = this.db
      .prepare(
        `SELECT m.*, s.version FROM models m LEFT JOIN sample_sets s ON s.id = m.sample_set_id
         WHERE m.person_id = ? AND m.kind = 'lora' ORDER BY m.installed_at DESC`,
      )
      .all(personId) as (ModelRow & { version: number | null })[];
    return rows.map((row) => ({ ...toRecord(row), version: row.version }));
  }

  upsert(record: Omit<ModelRecord, 'installedAt' | 'sampleSetId'> & { installedAt?: number; sampleSetId?: number | null }): void {
    this.db
      .prepare(
        `INSERT INTO models (id, kind, family, name, path, sha256, size, license, commercial_use, person_id, sample_set_id, meta, installed_at)
         VALUES (@id, @kind, @family, @name, @path, @sha256, @size, @license, @commercialUse, @personId, @sampleSetId, @meta, @installedAt)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, family = excluded.family, name = excluded.name, path = excluded.path,
           sha256 = excluded.sha256, size = excluded.size, license = excluded.license, commercial_use = excluded.commercial_use,
           person_id = excluded.person_id, sample_set_id = excluded.sample_set_id, meta = excluded.meta`,
      )
      .run({
        ...record,
        sampleSetId: record.sampleSetId ?? null,
        commercialUse: record.commercialUse === null ? null : record.commercialUse ? 1 : 0,
        meta: JSON.stringify(record.meta),
        installedAt: record.installedAt ?? Date.now(),
      });
  }

  setHash(id: string, sha256: string, meta?: Record<string, unknown>): void {
    if (meta) this.db.prepare('UPDATE models SET sha256 = ?, meta = ? WHERE id = ?').run(sha256, JSON.stringify(meta), id);
    else this.db.prepare('UPDATE models SET sha256 = ? WHERE id = ?').run(sha256, id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
  }
}
