import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { StudioError } from '../api/errors';
import { extractFromTarGz } from './tar';

const run = promisify(execFile);

/**
 * The CUDA execution provider for onnxruntime-node on Linux, without NuGet: the npm package
 * com.github.asus4.onnxruntime.linux-x64-gpu carries libonnxruntime_providers_cuda.so built for onnxruntime
 * 1.29.0 and CUDA 13; placed beside onnxruntime-node 1.29.0's libonnxruntime.so it runs. Core and provider
 * must be the same onnxruntime version, so both are pinned here together (and package.json pins
 * onnxruntime-node to exactly this version).
 */
export interface CudaProviderLock {
  onnxruntimeNode: string;
  package: string;
  version: string;
  integrity: string;
  tarball: string;
  files: Record<string, { entry: string; sha256: string; size: number }>;
  cudaLibraries: readonly string[];
  loadedLibraries: readonly string[];
}

export const cudaProviderLock: CudaProviderLock = {
  onnxruntimeNode: '1.29.0',
  package: 'com.github.asus4.onnxruntime.linux-x64-gpu',
  version: '0.4.9',
  /** The registry's integrity of the tarball (sha512), checked before anything is extracted. */
  integrity: 'sha512-FopIhNE/Ng+v2X65wVc9clPCBCvhvA53Hxo2U0Kf5fGdVsC7iCA+mZ0KLWggcQAj7TIZ6pNidR4AC10g74Xo6w==',
  tarball: 'https://registry.npmjs.org/com.github.asus4.onnxruntime.linux-x64-gpu/-/com.github.asus4.onnxruntime.linux-x64-gpu-0.4.9.tgz',
  files: {
    'libonnxruntime_providers_cuda.so': {
      entry: 'package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so',
      sha256: '56cf3254b118ad837ccc4ed8f6d1b23504bbf7ef91b34cbc0b289cb7f10b3037',
      size: 229780440,
    },
    'libonnxruntime_providers_shared.so': {
      entry: 'package/Plugins/Linux/x64/libonnxruntime_providers_shared.so',
      sha256: 'c6a12593396095f5670160e284c35d1700b7708cf3037b7042e2a5200ccae772',
      size: 14632,
    },
  },
  /** What the provider needs from the system: CUDA 13 (linked) and cuDNN 9 (loaded when a model needs it). */
  cudaLibraries: ['libcudart.so.13', 'libcublas.so.13', 'libcublasLt.so.13', 'libcurand.so.10', 'libcuda.so.1'],
  loadedLibraries: ['libcudnn.so.9'],
};

export const CUDA_MARKER = 'likeness-cuda.json';

/** The folder with onnxruntime-node's native core for this platform (where provider libraries must sit). */
export function onnxruntimeNativeDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('onnxruntime-node/package.json');
  } catch {
    throw new StudioError('INTERNAL', 'onnxruntime-node is not installed.', 'Run npm install.');
  }
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const bin = join(dirname(packageJson), 'bin');
  const napi = existsSync(bin) ? readdirSync(bin).filter((d) => d.startsWith('napi-v')) : [];
  const arch = process.arch;
  const dir = napi.map((n) => join(bin, n, process.platform, arch)).find((d) => existsSync(d));
  if (!dir)
    throw new StudioError(
      'INTERNAL',
      `onnxruntime-node ${version} has no native library for ${process.platform}/${arch}.`,
      'Reinstall onnxruntime-node.',
    );
  return { dir, version };
}

async function sha(path: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest(encoding);
}

/** Fetches the pinned package tarball into `dir` with npm (`npm pack`), or straight from the registry when npm is absent. */
export async function fetchCudaPackage(
  dir: string,
  lock: CudaProviderLock = cudaProviderLock,
  onStatus?: (message: string) => void,
): Promise<string> {
  const spec = `${lock.package}@${lock.version}`;
  onStatus?.(`Downloading ${spec} from the npm registry (about 180 MB)…`);
  try {
    const { stdout } = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', spec, '--json', '--pack-destination', dir], {
      maxBuffer: 16 << 20,
      timeout: 30 * 60_000,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
    if (packed) return join(dir, packed.filename);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StudioError(
        'NETWORK_ERROR',
        `npm could not fetch ${spec}: ${String((error as { stderr?: string }).stderr ?? (error as Error).message)
          .trim()
          .split('\n')
          .at(-1)}`,
        'Check the internet connection (the npm registry must be reachable), then try again.',
      );
    }
  }
  // No npm on this machine (a packaged app): the same tarball over HTTPS.
  const target = join(dir, `${lock.package}-${lock.version}.tgz`);
  const response = await fetch(lock.tarball);
  if (!response.ok || !response.body) throw new StudioError('NETWORK_ERROR', `${lock.tarball} answered HTTP ${response.status}.`, 'Try again later.');
  const { Readable } = await import('node:stream');
  const { createWriteStream } = await import('node:fs');
  await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(target));
  return target;
}

export interface InstallOptions {
  /** Where libonnxruntime.so is (default: onnxruntime-node's own folder for this platform). */
  nativeDir?: string;
  /** The onnxruntime-node version there (default: read from its package.json). */
  onnxruntimeVersion?: string;
  lock?: CudaProviderLock;
  /** Puts the package tarball into a folder and returns its path (default: fetchCudaPackage). */
  fetchPackage?: (dir: string) => Promise<string>;
  onStatus?: (message: string) => void;
  platform?: NodeJS.Platform;
  arch?: string;
}

export interface CudaInstallResult {
  dir: string;
  package: string;
  version: string;
  onnxruntime: string;
  files: { name: string; sha256: string; size: number }[];
  /** System libraries the provider needs and this machine lacks (empty when all are found). */
  missingLibraries: string[];
}

/**
 * `likeness gpu install cuda`: checks that this is Linux x64 with the pinned onnxruntime-node, fetches the pinned
 * package, checks the tarball's integrity, its package.json (name, version) and each library's sha256 and the
 * onnxruntime version inside it, then copies the libraries beside libonnxruntime.so (temp name, then rename).
 */
export async function installCudaProvider(options: InstallOptions = {}): Promise<CudaInstallResult> {
  const lock = options.lock ?? cudaProviderLock;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  if (platform !== 'linux' || arch !== 'x64') {
    throw new StudioError(
      'UNSUPPORTED',
      `The CUDA provider package is for Linux x64; this is ${platform}/${arch}.`,
      platform === 'win32'
        ? 'On Windows, DirectML (dml) is built in and runs on NVIDIA, AMD and Intel GPUs.'
        : 'Use WebGPU (built in) on this machine.',
    );
  }
  const native = options.nativeDir ? { dir: options.nativeDir, version: options.onnxruntimeVersion ?? '' } : onnxruntimeNativeDir();
  const coreVersion = options.onnxruntimeVersion ?? native.version;
  if (coreVersion !== lock.onnxruntimeNode) {
    throw new StudioError(
      'UNSUPPORTED',
      `onnxruntime-node here is ${coreVersion}; the CUDA provider ${lock.package}@${lock.version} is built for ${lock.onnxruntimeNode}, and core and provider must match.`,
      `Install onnxruntime-node ${lock.onnxruntimeNode} (Likeness pins it), then run this again.`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), 'likeness-cuda-'));
  try {
    const tarball = await (options.fetchPackage ?? ((dir) => fetchCudaPackage(dir, lock, options.onStatus)))(work);
    options.onStatus?.('Checking the package…');
    const integrity = `sha512-${await sha(tarball, 'sha512', 'base64')}`;
    if (integrity !== lock.integrity)
      throw new StudioError(
        'CORRUPT_FILE',
        `The downloaded ${lock.package}@${lock.version} does not match its pinned integrity (${integrity.slice(0, 24)}…).`,
        'Nothing was installed. Try again; if it repeats, the registry copy changed: report it.',
      );
    const extracted = join(work, 'extracted');
    await mkdir(extracted);
    const wanted = new Map<string, string>([['package/package.json', join(extracted, 'package.json')]]);
    for (const [name, file] of Object.entries(lock.files)) wanted.set(file.entry, join(extracted, name));
    const found = await extractFromTarGz(tarball, wanted);
    for (const entry of wanted.keys())
      if (!found.has(entry)) throw new StudioError('CORRUPT_FILE', `The package has no ${entry}.`, 'Nothing was installed.');
    const pkg = JSON.parse(await readFile(join(extracted, 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== lock.package || pkg.version !== lock.version)
      throw new StudioError(
        'CORRUPT_FILE',
        `The package is ${pkg.name}@${pkg.version}, expected ${lock.package}@${lock.version}.`,
        'Nothing was installed.',
      );
    const files: CudaInstallResult['files'] = [];
    for (const [name, expected] of Object.entries(lock.files)) {
      const path = join(extracted, name);
      const digest = await sha(path, 'sha256', 'hex');
      if (digest !== expected.sha256)
        throw new StudioError('CORRUPT_FILE', `${name} in the package has sha256 ${digest}, expected ${expected.sha256}.`, 'Nothing was installed.');
      files.push({ name, sha256: digest, size: expected.size });
    }
    // The provider carries its onnxruntime version string; it must be the core's.
    const provider = await readFile(join(extracted, 'libonnxruntime_providers_cuda.so'));
    if (!provider.includes(Buffer.from(`\0${lock.onnxruntimeNode}\0`)))
      throw new StudioError(
        'CORRUPT_FILE',
        `libonnxruntime_providers_cuda.so does not say it is onnxruntime ${lock.onnxruntimeNode}.`,
        'Nothing was installed.',
      );
    options.onStatus?.(`Installing into ${native.dir}…`);
    for (const { name } of files) {
      const target = join(native.dir, name);
      const temp = `${target}.partial-${process.pid}`;
      await copyFile(join(extracted, name), temp);
      await rename(temp, target);
    }
    const marker = { package: lock.package, version: lock.version, onnxruntime: lock.onnxruntimeNode, files, installedAt: Date.now() };
    await writeFile(join(native.dir, CUDA_MARKER), JSON.stringify(marker, null, 2));
    const status = await cudaStatus({ nativeDir: native.dir, lock });
    return {
      dir: native.dir,
      package: lock.package,
      version: lock.version,
      onnxruntime: lock.onnxruntimeNode,
      files,
      missingLibraries: status.missingLibraries,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Libraries `ldd` reports as "not found". */
export function parseLddMissing(output: string): string[] {
  return [...output.matchAll(/^\s*(\S+)\s+=>\s+not found/gm)].map((m) => m[1]!);
}

/** Whether the dynamic loader can find a library: LD_LIBRARY_PATH, then the ldconfig cache. */
export async function findSharedLibrary(name: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) if (existsSync(join(dir, name))) return true;
  try {
    const { stdout } = await run('ldconfig', ['-p'], { timeout: 5000 });
    return stdout.split('\n').some((line) => line.trim().startsWith(`${name} `));
  } catch {
    try {
      const { stdout } = await run('/sbin/ldconfig', ['-p'], { timeout: 5000 });
      return stdout.split('\n').some((line) => line.trim().startsWith(`${name} `));
    } catch {
      return false;
    }
  }
}

export interface CudaStatus {
  /** The provider libraries are beside libonnxruntime.so. */
  installed: boolean;
  package: string | null;
  version: string | null;
  /** The installed files match their pinned checksums (only checked when asked: they are 230 MB). */
  verified: boolean | null;
  /** CUDA/cuDNN libraries the provider needs that this machine's loader cannot find. */
  missingLibraries: string[];
  /** What to do, in one sentence. */
  advice: string;
}

const notInstalled = (advice: string): CudaStatus => ({
  installed: false,
  package: null,
  version: null,
  verified: null,
  missingLibraries: [],
  advice,
});

/** What `doctor` says about CUDA: installed or not, and every CUDA/cuDNN library that is missing. */
export async function cudaStatus(
  options: { nativeDir?: string; lock?: CudaProviderLock; verify?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<CudaStatus> {
  const lock = options.lock ?? cudaProviderLock;
  if (process.platform !== 'linux' && !options.nativeDir)
    return notInstalled(
      process.platform === 'win32' ? 'On Windows use DirectML (built in).' : 'CUDA is not available on this OS; WebGPU is built in.',
    );
  const dir = options.nativeDir ?? onnxruntimeNativeDir().dir;
  const provider = join(dir, 'libonnxruntime_providers_cuda.so');
  if (!existsSync(provider)) return notInstalled('Run `likeness gpu install cuda` to add the CUDA provider (NVIDIA GPUs, CUDA 13).');
  let marker: { package?: string; version?: string } = {};
  try {
    marker = JSON.parse(readFileSync(join(dir, CUDA_MARKER), 'utf8')) as typeof marker;
  } catch {
    // Placed by hand (e.g. the device kit): still usable.
  }
  let verified: boolean | null = null;
  if (options.verify) {
    verified = true;
    for (const [name, file] of Object.entries(lock.files)) {
      const path = join(dir, name);
      if (!existsSync(path) || (await sha(path, 'sha256', 'hex')) !== file.sha256) verified = false;
    }
  }
  const missing = new Set<string>();
  try {
    const { stdout } = await run('ldd', [provider], { timeout: 10_000, env: { ...process.env, ...options.env } });
    for (const lib of parseLddMissing(stdout)) missing.add(lib);
  } catch {
    for (const lib of lock.cudaLibraries) if (!(await findSharedLibrary(lib, { ...process.env, ...options.env }))) missing.add(lib);
  }
  for (const lib of lock.loadedLibraries) if (!(await findSharedLibrary(lib, { ...process.env, ...options.env }))) missing.add(lib);
  const missingLibraries = [...missing];
  const advice = missingLibraries.length
    ? `Install the missing libraries (CUDA 13 runtime with cuBLAS and cuRAND${missingLibraries.some((l) => l.startsWith('libcudnn')) ? ', cuDNN 9' : ''}${missingLibraries.includes('libcuda.so.1') ? ', and the NVIDIA driver' : ''}) or add their folder to LD_LIBRARY_PATH.`
    : verified === false
      ? 'The provider files differ from the pinned ones: run `likeness gpu install cuda` again.'
      : 'Ready: choose the cuda provider (auto tries it first).';
  return { installed: true, package: marker.package ?? null, version: marker.version ?? null, verified, missingLibraries, advice };
}
