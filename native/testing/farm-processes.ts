import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appRoot } from '../core/entry-points';
import { waitUntil } from './serve-process';
import { missingTool } from './tools';

// Real processes for farm tests and benches: a redis-server (the Debian package) on a free loopback port, and
// `likeness worker` processes run from source, as a GPU box runs them.

export const redisMissing = (): string | undefined => missingTool('redis-server', ['--version'], 'apt install redis-server');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RedisProcess {
  port: number;
  url: string;
  /** Stops it (SIGKILL: what it acknowledged is in its append-only file) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * redis-server on a free loopback port, appending every write to disk before answering (`appendfsync always`),
 * as a farm's Redis should run: a restart then loses nothing it acknowledged.
 */
export async function startRedis(options: { password?: string; tls?: TestCertificates } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'likeness-redis-'));
  const listen = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        options.tls.cert,
        '--tls-key-file',
        options.tls.key,
        '--tls-ca-cert-file',
        options.tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  if (options.password) args.push('--requirepass', options.password);
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
        return out.includes('Ready to accept connections') || undefined;
      },
      20_000,
      'redis-server to accept connections',
    );
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    // A TLS certificate names a host (localhost), not the loopback address.
    url: options.tls ? `rediss://${auth}localhost:${port}` : `redis://${auth}127.0.0.1:${port}`,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestCertificates {
  /** The certificate authority a client trusts (NODE_EXTRA_CA_CERTS), and the server's certificate for localhost. */
  ca: string;
  cert: string;
  key: string;
}

/** A throwaway certificate authority and a server certificate for localhost / 127.0.0.1, made by openssl. */
export function makeTestCertificates(dir: string): TestCertificates {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Likeness test CA']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

export interface WorkerProcess {
  process: ChildProcess;
  log(): string;
  /** Resolves when the process has exited (after kill or a refused start). */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `likeness worker --farm URL --library DIR` from source. `LIKENESS_FARM_LOCK_MS` shortens the lock of its items. */
export function startWorkerProcess(library: string, farmUrl: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(appRoot(), 'native', 'cli', 'main.ts'), 'worker', '--farm', farmUrl, '--library', library, ...args],
    {
      cwd: appRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    log: () => log,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
