import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { StudioError } from '../api/errors';
import type { Catalog } from '../catalog/catalog';
import { maskPassword, parseFarmUrl, type FarmAddress } from './farm-url';

/** The library setting that keeps the farm's address (the studio's choice; `--farm` overrides it for one run). */
export const FARM_SETTING = 'farm.url';
/** Set by `--farm` for this process (and inherited by its job threads). */
export const FARM_ENV = 'LIKENESS_FARM';

export interface FarmChoice {
  address: FarmAddress;
  source: 'flag' | 'library';
}

/** The farm this studio sends batches to, if any: `--farm`/LIKENESS_FARM first, else the library's setting. */
export function farmChoice(catalog: Catalog): FarmChoice | null {
  const flag = process.env[FARM_ENV]?.trim();
  if (flag) return { address: parseFarmUrl(flag), source: 'flag' };
  const saved = catalog.getSetting(FARM_SETTING);
  return saved ? { address: parseFarmUrl(saved), source: 'library' } : null;
}

/**
 * ioredis settings for the long-lived connections of BullMQ (queue, events, worker): commands wait through a
 * Redis restart instead of failing (BullMQ requires maxRetriesPerRequest null), and reconnects back off to 2 s.
 */
export function redisOptions(address: FarmAddress): RedisOptions {
  return {
    ...address.connection,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2_000),
    connectionName: 'likeness',
  };
}

/** A plain client on the farm (Likeness' own keys: blobs, cancels, worker reports). */
export function farmRedis(address: FarmAddress): Redis {
  const client = new Redis(redisOptions(address));
  // Connection errors are retried by the client and surface where a command is awaited; unheard, they would crash.
  client.on('error', () => undefined);
  return client;
}

/** What went wrong reaching the farm, said for a person: refused password, nothing listening, no such host… */
export function explainFarmError(error: unknown, address: FarmAddress): StudioError {
  if (error instanceof StudioError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const text = maskPassword(raw, address);
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = `${address.connection.host}:${address.connection.port}`;
  if (/WRONGPASS|invalid username-password|invalid password/i.test(text))
    return new StudioError(
      'UNAUTHORIZED',
      `The farm at ${address.redacted} refused the password.`,
      'Check the password in the farm address (requirepass in redis.conf).',
    );
  if (/NOAUTH/i.test(text))
    return new StudioError(
      'UNAUTHORIZED',
      `The farm at ${address.redacted} needs a password.`,
      'Add it to the address: redis://:PASSWORD@HOST:6379.',
    );
  if (/certificate|SSL|TLS|EPROTO/i.test(text) || /CERT|SSL/.test(code ?? ''))
    return new StudioError(
      'NETWORK_ERROR',
      `The farm at ${address.redacted} failed the TLS check: ${text}`,
      address.connection.tls
        ? 'A farm with its own certificate authority: start Likeness with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; the certificate must name the host of the address.'
        : 'This Redis speaks TLS: use rediss:// instead of redis://.',
    );
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text))
    return new StudioError(
      'NETWORK_ERROR',
      `Nothing answers at ${where}.`,
      'Start Redis there (redis-server), or check the host and port of the farm address.',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(text))
    return new StudioError(
      'NETWORK_ERROR',
      `The farm's host ${address.connection.host} is not known on this network.`,
      'Check the host name, or use its IP address.',
    );
  return new StudioError(
    'NETWORK_ERROR',
    `The farm at ${address.redacted} cannot be reached: ${text}`,
    'Check that Redis runs there and that this machine may connect to it.',
  );
}

/** Connects once (no retries), says PING and disconnects: a wrong password or a dead host fails here, clearly. */
export async function checkFarm(address: FarmAddress, timeoutMs = 5_000): Promise<void> {
  const client = new Redis({
    ...address.connection,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  let lastError: unknown;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw explainFarmError(lastError && !(error instanceof Error && /WRONGPASS|NOAUTH/.test(error.message)) ? lastError : error, address);
  } finally {
    client.disconnect();
  }
}
