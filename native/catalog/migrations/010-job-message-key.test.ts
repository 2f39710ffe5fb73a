import { describe, expect, it } from 'vitest';
import { insertData, libraryAtVersion, updateToVersion } from './testing';

describe('migration 010 (job message key)', () => {
  it('adds nullable key and params columns; jobs written before it keep their message and read as having no key', () => {
    const db = libraryAtVersion(4);
    insertData(db, 'jobs', [
      { id: 1, kind: 'catalog.import', resource: 'cpu', status: 'done', title: 'Import', input: '{}', message: 'photo.png', created_at: 0 },
    ]);
    expect(updateToVersion(db)).toContain(10);
    expect(db.prepare('SELECT message, message_key, message_params FROM jobs WHERE id = 1').get()).toEqual({
      message: 'photo.png',
      message_key: null,
      message_params: null,
    });
    db.prepare(`UPDATE jobs SET message_key = 'portrait.animatingFrame', message_params = '{"done":12,"total":125}' WHERE id = 1`).run();
    expect(db.prepare('SELECT message_key FROM jobs WHERE id = 1').pluck().get()).toBe('portrait.animatingFrame');
    db.close();
  });

  it('an old row reads through the repository with a null key and params', async () => {
    const { JobsRepository } = await import('../jobs-repo');
    const db = libraryAtVersion();
    const jobs = new JobsRepository(db);
    const job = jobs.create({ kind: 'test', resource: 'cpu', title: 'x', input: null, owner: 'me' });
    expect(jobs.get(job.id)).toMatchObject({ message: null, messageKey: null, messageParams: null });
    db.close();
  });
});
