import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { explainListenError, parsePort } from './serve';

describe('likeness serve --port', () => {
  it('refuses a port out of range as a usage error instead of crashing in listen()', () => {
    expect(() => parsePort('99999')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/0 to 65535/) }));
    expect(() => parsePort('http')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(parsePort('4813')).toBe(4813);
    expect(parsePort('0')).toBe(0);
  });

  it('says a taken port is taken and what to do, not “a bug in Likeness”', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const error = await new Promise<unknown>((resolve) => {
        const second = createServer();
        second.once('error', resolve);
        second.listen(port, '127.0.0.1');
      });
      expect(explainListenError(error, port)).toMatchObject({
        code: 'CONFLICT',
        message: `Port ${port} is already in use (another Likeness, or another program).`,
        hint: expect.stringMatching(/--port N/),
      });
    } finally {
      blocker.close();
    }
  });
});
