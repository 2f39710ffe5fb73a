import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmStatus } from '../api/namespaces/farm';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { createStudio } from '../studio/studio';
import { runLikeness } from '../testing/cli';
import {
  makeTestCertificates,
  redisMissing,
  startRedis,
  startWorkerProcess,
  type RedisProcess,
  type TestCertificates,
  type WorkerProcess,
} from '../testing/farm-processes';
import { waitUntil } from '../testing/serve-process';
import { missingTool } from '../testing/tools';

// A farm over TLS (rediss://) as the README sets one up: redis-server with its own certificate authority, a worker
// and the CLI trusting it through Node's NODE_EXTRA_CA_CERTS. Everything runs as users run it: separate processes.

const skip = redisMissing() ?? missingTool('openssl', ['version'], 'apt install openssl');

describe.skipIf(skip)('a farm over TLS (rediss://), through the CLI', () => {
  let root: string;
  let certificates: TestCertificates;
  let redis: RedisProcess;
  let worker: WorkerProcess;
  let trusted: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-farm-tls-'));
    certificates = makeTestCertificates(root);
    redis = await startRedis({ password: 'tls-secret', tls: certificates });
    trusted = { NODE_EXTRA_CA_CERTS: certificates.ca };
    writeTinyModelFolder(join(root, 'tiny'), 'sd15');
    const box = join(root, 'box');
    const setup = await createStudio({ library: box, startJobs: false });
    await setup.api.models.addFolder({ path: join(root, 'tiny'), name: 'Tiny' });
    await setup.close();
    worker = startWorkerProcess(box, redis.url, trusted);
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a certificate it cannot trust, and says how to trust it', async () => {
    const run = await runLikeness(join(root, 'studio'), ['farm', 'status', '--json', '--farm', redis.url]);
    const status = JSON.parse(run.stdout) as FarmStatus;
    expect(status).toMatchObject({ configured: true, reachable: false, url: expect.stringMatching(/^rediss:\/\/:\*\*\*@localhost:\d+$/) });
    expect(status.error).toMatch(/failed the TLS check: self-signed certificate in certificate chain/);
    expect(status.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it('with the CA trusted: `farm status` lists the worker and `generate --farm` makes the images there', async () => {
    const studio = join(root, 'studio');
    const status = await waitUntil(
      async () => {
        const run = await runLikeness(studio, ['farm', 'status', '--json', '--farm', redis.url], trusted);
        const parsed = JSON.parse(run.stdout) as FarmStatus;
        return parsed.workers.some((w) => w.online) ? parsed : undefined;
      },
      90_000,
      'the worker on the TLS farm',
    );
    expect(status).toMatchObject({ reachable: true, source: 'flag', workers: [{ host: hostname(), online: true }] });
    // Without --on, a farm given for the run is where the images are made.
    const run = await runLikeness(
      studio,
      [
        'generate',
        '--farm',
        redis.url,
        '--model',
        join(root, 'tiny'),
        '--prompt',
        'a quiet street',
        '--count',
        '3',
        '--size',
        '64x64',
        '--steps',
        '2',
        '--json',
      ],
      trusted,
    );
    expect(run.stderr).not.toContain('tls-secret');
    const finished = JSON.parse(run.stdout) as { status: string; result: { outputs: number[]; farm: { url: string; items: number } } };
    expect(finished.status).toBe('done');
    expect(finished.result.farm).toEqual({ url: redis.url.replace('tls-secret', '***'), items: 3 });
    expect(finished.result.outputs).toHaveLength(3);
  });
});
