import { Catalog } from '../native/catalog/catalog';
const c = Catalog.open('/tmp/lib1m'); const db = c.reader;
const t = (n: string, f: () => unknown) => { f(); const s = performance.now(); for (let i = 0; i < 5; i++) f(); console.log(n.padEnd(40), ((performance.now() - s) / 5).toFixed(2)); };
const max = db.prepare('SELECT max(created_at) FROM outputs').pluck().get() as number;
const DAY = 86400000; const dayStart = Math.floor(max / DAY) * DAY;
const day = (ms: string) => `((${ms}) / ${DAY} - ((${ms}) % ${DAY} < 0))`;
for (const [name, from, to, limit, offset] of [['first window (1 day)', dayStart, dayStart + DAY, 2000, 0], ['chunk 100k over 2 days', dayStart - 2 * DAY, dayStart + DAY, 100000, 2000]] as const) {
  const sql = `SELECT o.id FROM outputs o INDEXED BY outputs_by_date WHERE o.deleted_at IS NULL AND o.created_at >= ? AND o.created_at < ? ORDER BY ${day('o.created_at')} DESC, o.stars DESC, o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`;
  t(name, () => db.prepare(sql).pluck().all(from, to, limit, offset));
  console.log(db.prepare('EXPLAIN QUERY PLAN ' + sql).all(from, to, limit, offset).map((r: any) => r.detail).join(' | '));
}
