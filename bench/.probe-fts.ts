import { Catalog } from '../native/catalog/catalog';
const c = Catalog.open('/tmp/lib1m'); const db = c.reader;
const t = (n: string, f: () => unknown) => { f(); const s = performance.now(); for (let i = 0; i < 5; i++) f(); console.log(n.padEnd(40), ((performance.now() - s) / 5).toFixed(2)); };
db.exec('CREATE TEMP TABLE IF NOT EXISTS m2 (id INTEGER PRIMARY KEY)');
for (const w of ['"ohwx"*', '"ohwx"', '"bokeh"*', '"neon"*']) {
  t(`count ${w}`, () => db.prepare('SELECT count(*) FROM outputs_fts WHERE outputs_fts MATCH ?').pluck().get(w));
  t(`rowids ${w}`, () => db.prepare('SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH ?').pluck().all(w));
  t(`insert temp ${w}`, () => { db.exec('DELETE FROM m2'); db.prepare('INSERT INTO m2 SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH ?').run(w); });
}
