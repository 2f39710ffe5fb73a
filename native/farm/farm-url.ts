import { isIP } from 'node:net';
import { StudioError } from '../api/errors';

/** Connection settings for ioredis (which BullMQ drives), read from a farm URL. */
export interface FarmConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: { servername?: string };
}

export interface FarmAddress {
  connection: FarmConnection;
  /** The URL with the password masked: the only form that is printed, logged or shown. */
  redacted: string;
  loopback: boolean;
}

const loopbackNames = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopback(host: string): boolean {
  if (loopbackNames.has(host)) return true;
  // The whole 127.0.0.0/8 block is this machine.
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Reads `redis://[user]:password@host[:port][/db]` or `rediss://…` (TLS). A farm is reached over the network by
 * other machines' workers, so a URL without a password is refused unless it names this machine (loopback).
 */
export function parseFarmUrl(text: string): FarmAddress {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new StudioError('INVALID_INPUT', 'The farm address is not a URL.', 'Write it as redis://:PASSWORD@HOST:6379 (or rediss:// for TLS).');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new StudioError(
      'INVALID_INPUT',
      `A farm address starts with redis:// or rediss://, not ${url.protocol}//.`,
      'E.g. redis://:PASSWORD@gpu-box:6379.',
    );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new StudioError('INVALID_INPUT', 'The farm address names no host.', 'E.g. redis://:PASSWORD@gpu-box:6379.');
  const port = url.port ? Number(url.port) : 6379;
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0 || db > 15)
    throw new StudioError('INVALID_INPUT', `“/${dbText}” is not a Redis database number (0 to 15).`, 'Leave it out to use database 0.');
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const loopback = isLoopback(host);
  const redacted = `${url.protocol}//${username ?? ''}${password ? ':***' : ''}${username || password ? '@' : ''}${url.host}${dbText ? `/${dbText}` : ''}`;
  if (!password && !loopback)
    throw new StudioError(
      'UNAUTHORIZED',
      `The farm at ${redacted} has no password: anyone on the network could read and change its queue.`,
      'Set `requirepass` in redis.conf and add it to the address: redis://:PASSWORD@HOST:6379 (rediss:// to encrypt it too).',
    );
  return {
    connection: {
      host,
      port,
      db,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(url.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
    },
    redacted,
    loopback,
  };
}

/** Any text with the password of `url` masked (error messages of the Redis client quote what they were given). */
export function maskPassword(text: string, address: FarmAddress): string {
  const password = address.connection.password;
  return password ? text.split(password).join('***') : text;
}
