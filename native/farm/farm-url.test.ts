import { describe, expect, it } from 'vitest';
import { maskPassword, parseFarmUrl } from './farm-url';

describe('farm addresses', () => {
  it('reads redis:// and rediss:// with user, password, port and database', () => {
    expect(parseFarmUrl('redis://:s3cret@gpu-box:6380/2')).toEqual({
      connection: { host: 'gpu-box', port: 6380, db: 2, password: 's3cret' },
      redacted: 'redis://:***@gpu-box:6380/2',
      loopback: false,
    });
    // TLS names the server for its certificate check; an ACL user travels with the password.
    expect(parseFarmUrl('rediss://likeness:p%40ss@farm.example.org')).toMatchObject({
      connection: { host: 'farm.example.org', port: 6379, db: 0, username: 'likeness', password: 'p@ss', tls: { servername: 'farm.example.org' } },
      redacted: 'rediss://likeness:***@farm.example.org',
    });
  });

  it('refuses a farm without a password unless it is this machine', () => {
    expect(() => parseFarmUrl('redis://192.168.1.20:6379')).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED', message: expect.stringMatching(/no password/), hint: expect.stringMatching(/requirepass/) }),
    );
    for (const loopback of ['redis://127.0.0.1:6379', 'redis://localhost', 'redis://[::1]:6379', 'redis://127.3.2.1'])
      expect(parseFarmUrl(loopback).loopback).toBe(true);
  });

  it('says what is wrong with an address that is not one', () => {
    expect(() => parseFarmUrl('gpu-box:6379')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/redis:\/\/ or rediss:\/\//) }),
    );
    expect(() => parseFarmUrl('http://gpu-box')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => parseFarmUrl('not a url')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: 'The farm address is not a URL.' }));
    expect(() => parseFarmUrl('redis://:pw@gpu-box/99')).toThrow(expect.objectContaining({ message: expect.stringMatching(/database number/) }));
  });

  it('masks the password in any text (client errors quote what they were given)', () => {
    const address = parseFarmUrl('redis://:hunter2@gpu-box');
    expect(maskPassword('connect to redis://:hunter2@gpu-box failed (hunter2)', address)).toBe('connect to redis://:***@gpu-box failed (***)');
    expect(JSON.stringify(address.redacted)).not.toContain('hunter2');
  });
});
