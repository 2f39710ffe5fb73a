import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CUDA_MARKER, cudaProviderLock, cudaStatus, installCudaProvider, parseLddMissing, type CudaProviderLock } from './cuda';
import { extractFromTarGz } from './tar';

const root = mkdtempSync(join(tmpdir(), 'likeness-cuda-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A ustar archive (what npm pack writes), gzipped. */
function tgz(entries: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(entries)) {
    const header = Buffer.alloc(512);
    const long = name.length > 100;
    header.write(long ? name.slice(name.lastIndexOf('/', name.length - 1 - 0) + 1) : name, 0, 'utf8');
    if (long) header.write(name.slice(0, name.lastIndexOf('/')), 345, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    const sum = header.reduce((n, b) => n + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const cudaLib = Buffer.concat([Buffer.from('\x7fELF fake provider '), Buffer.from('\x001.29.0\x00'), Buffer.alloc(3000, 7)]);
const sharedLib = Buffer.from('fake shared provider library');

function makePackage(overrides: { version?: string; cuda?: Buffer } = {}) {
  const entries = {
    'package/package.json': Buffer.from(JSON.stringify({ name: 'test-cuda-provider', version: overrides.version ?? '1.2.3' })),
    'package/README.md': Buffer.from('readme'),
    'package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so': overrides.cuda ?? cudaLib,
    'package/Plugins/Linux/x64/libonnxruntime_providers_shared.so': sharedLib,
    'package/Plugins/Linux/x64/a-very-long-directory-name-that-pushes-the-path-past-one-hundred-characters/and-more/file.txt': Buffer.from('long'),
  };
  return tgz(entries);
}

/** Library names no machine has, so the checks do not depend on this machine's CUDA install. */
const testLibraries = {
  cudaLibraries: ['libcudart-likeness-test.so.13', 'libcublasLt-likeness-test.so.13'],
  loadedLibraries: ['libcudnn-likeness-test.so.9'],
};

function lockFor(archive: Buffer): CudaProviderLock {
  return {
    ...cudaProviderLock,
    ...testLibraries,
    package: 'test-cuda-provider',
    version: '1.2.3',
    integrity: `sha512-${createHash('sha512').update(archive).digest('base64')}`,
    files: {
      'libonnxruntime_providers_cuda.so': {
        entry: 'package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so',
        sha256: sha256(cudaLib),
        size: cudaLib.length,
      },
      'libonnxruntime_providers_shared.so': {
        entry: 'package/Plugins/Linux/x64/libonnxruntime_providers_shared.so',
        sha256: sha256(sharedLib),
        size: sharedLib.length,
      },
    },
  };
}

function nativeDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'libonnxruntime.so.1'), 'core');
  return dir;
}

const fetchFrom = (archive: Buffer) => async (dir: string) => {
  const path = join(dir, 'package.tgz');
  writeFileSync(path, archive);
  return path;
};

/** Installs `archive` into `dir` as onnxruntime 1.29.0 on linux-x64 would, checked against `lock`. */
const installOnLinux = (dir: string, archive: Buffer, lock = lockFor(archive)) =>
  installCudaProvider({ nativeDir: dir, onnxruntimeVersion: '1.29.0', lock, fetchPackage: fetchFrom(archive), platform: 'linux', arch: 'x64' });

describe('streaming .tgz extraction', () => {
  it('extracts the wanted entries, including names split into ustar prefix + name', async () => {
    const archive = join(root, 'a.tgz');
    writeFileSync(archive, makePackage());
    const long = 'package/Plugins/Linux/x64/a-very-long-directory-name-that-pushes-the-path-past-one-hundred-characters/and-more/file.txt';
    const found = await extractFromTarGz(
      archive,
      new Map([
        ['package/package.json', join(root, 'pkg.json')],
        [long, join(root, 'long.txt')],
        ['package/missing', join(root, 'missing')],
      ]),
    );
    expect([...found].sort()).toEqual([long, 'package/package.json'].sort());
    expect(readFileSync(join(root, 'long.txt'), 'utf8')).toBe('long');
  });
});

describe('likeness gpu install cuda (installer logic, no GPU needed)', () => {
  it('checks the tarball, its package.json, each file’s sha256 and onnxruntime version, then places the files beside the core', async () => {
    const archive = makePackage();
    const dir = nativeDir('ok');
    const result = await installOnLinux(dir, archive);
    expect(readFileSync(join(dir, 'libonnxruntime_providers_cuda.so')).equals(cudaLib)).toBe(true);
    expect(readFileSync(join(dir, 'libonnxruntime_providers_shared.so')).equals(sharedLib)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, CUDA_MARKER), 'utf8'))).toMatchObject({
      package: 'test-cuda-provider',
      version: '1.2.3',
      onnxruntime: '1.29.0',
    });
    expect(result.files.map((f) => f.name)).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
    // This machine has no CUDA: the doctor names each library the provider would need.
    const status = await cudaStatus({ nativeDir: dir, lock: lockFor(archive), verify: true, env: { LD_LIBRARY_PATH: '' } });
    expect(status).toMatchObject({ installed: true, package: 'test-cuda-provider', version: '1.2.3', verified: true });
    expect(status.missingLibraries).toEqual(['libcudart-likeness-test.so.13', 'libcublasLt-likeness-test.so.13', 'libcudnn-likeness-test.so.9']);
    expect(status.advice).toMatch(/CUDA 13 runtime .* cuDNN 9/);
  });

  it('finds libraries in LD_LIBRARY_PATH', async () => {
    const archive = makePackage();
    const libs = join(root, 'libs');
    mkdirSync(libs, { recursive: true });
    for (const lib of [...testLibraries.cudaLibraries, ...testLibraries.loadedLibraries]) writeFileSync(join(libs, lib), '');
    const dir = nativeDir('with-libs');
    await installOnLinux(dir, archive);
    const status = await cudaStatus({ nativeDir: dir, lock: lockFor(archive), env: { LD_LIBRARY_PATH: libs } });
    expect(status.missingLibraries).toEqual([]);
    expect(status.advice).toMatch(/^Ready/);
  });

  it('refuses a core of another onnxruntime version before downloading anything', async () => {
    let fetched = false;
    await expect(
      installCudaProvider({
        nativeDir: nativeDir('old'),
        onnxruntimeVersion: '1.22.0',
        fetchPackage: async () => ((fetched = true), ''),
        platform: 'linux',
        arch: 'x64',
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('core and provider must match') });
    expect(fetched).toBe(false);
  });

  it('refuses a tarball that differs from its pinned integrity, a wrong package version, a wrong library; installs nothing', async () => {
    const good = makePackage();
    const cases: [Buffer, CudaProviderLock, RegExp][] = [
      [makePackage({ cuda: Buffer.concat([cudaLib, Buffer.from('x')]) }), lockFor(good), /pinned integrity/],
      [
        makePackage({ version: '9.9.9' }),
        lockFor(makePackage({ version: '9.9.9' })),
        /test-cuda-provider@9\.9\.9, expected test-cuda-provider@1\.2\.3/,
      ],
    ];
    const tampered = makePackage({ cuda: Buffer.concat([cudaLib, Buffer.from('x')]) });
    const tamperedLock = { ...lockFor(good), integrity: lockFor(tampered).integrity } as CudaProviderLock;
    cases.push([tampered, tamperedLock, /libonnxruntime_providers_cuda\.so in the package has sha256/]);
    const noVersion = Buffer.from('\x7fELF provider for another onnxruntime');
    const wrongOrt = makePackage({ cuda: noVersion });
    const wrongOrtLock = lockFor(wrongOrt);
    wrongOrtLock.files['libonnxruntime_providers_cuda.so'] = {
      ...wrongOrtLock.files['libonnxruntime_providers_cuda.so']!,
      sha256: sha256(noVersion),
    };
    cases.push([wrongOrt, wrongOrtLock, /does not say it is onnxruntime 1\.29\.0/]);
    for (const [index, [archive, lock, message]] of cases.entries()) {
      const dir = nativeDir(`bad-${index}`);
      await expect(installOnLinux(dir, archive, lock)).rejects.toThrow(message);
      expect(existsSync(join(dir, 'libonnxruntime_providers_cuda.so'))).toBe(false);
      expect(existsSync(join(dir, CUDA_MARKER))).toBe(false);
    }
  });

  it('says what to use instead on Windows and macOS', async () => {
    await expect(installCudaProvider({ platform: 'win32', arch: 'x64' })).rejects.toMatchObject({ hint: expect.stringContaining('DirectML') });
    await expect(installCudaProvider({ platform: 'darwin', arch: 'arm64' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('reads the libraries ldd cannot find', () => {
    const sample = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibcublasLt.so.13 => not found',
      '\tlibcudart.so.13 => not found',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)',
    ].join('\n');
    expect(parseLddMissing(sample)).toEqual(['libcublasLt.so.13', 'libcudart.so.13']);
  });

  it('pins the real package: onnxruntime-node 1.29.0 and the asus4 CUDA 13 provider 0.4.9', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['onnxruntime-node']).toBe(cudaProviderLock.onnxruntimeNode);
    expect(cudaProviderLock).toMatchObject({ package: 'com.github.asus4.onnxruntime.linux-x64-gpu', version: '0.4.9' });
  });
});
