import { statfs } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import type { DoctorReport } from '../api/schemas';
import type { Catalog } from '../catalog/catalog';
import { appVersion } from '../core/version';
import { cudaStatus } from '../inference/cuda';
import { gpuAdapters } from '../inference/gpu';
import { probeProviders } from '../inference/probe-providers';
import { allProviders } from '../inference/providers';
import { locateFfmpeg, probeFfmpeg } from '../video/ffmpeg';

const REQUIRED_NODE = '>=20.19';

function nodeOk(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 19);
}

/** Everything a user (or a bug report) needs to know about this machine and library, in one report. */
export async function runDoctor(catalog: Catalog): Promise<DoctorReport> {
  const [ffmpeg, probes, gpu, free, cuda] = await Promise.all([
    probeFfmpeg(locateFfmpeg(catalog.getSetting('ffmpeg.path'))),
    probeProviders(allProviders),
    gpuAdapters(),
    statfs(catalog.paths.root)
      .then((s) => s.bavail * s.bsize)
      .catch(() => undefined),
    cudaStatus().catch(() => undefined),
  ]);
  return {
    appVersion: appVersion(),
    node: { version: process.version, ok: nodeOk(process.version), required: REQUIRED_NODE },
    platform: { os: platform(), arch: arch(), release: release() },
    ffmpeg,
    providers: allProviders.map((name) => probes.results.find((r) => r.name === name) ?? { name, status: 'error', error: 'not tried' }),
    onnxruntime: { ...(probes.version ? { version: probes.version } : {}), ...(probes.error ? { error: probes.error } : {}) },
    gpu,
    library: {
      path: catalog.paths.root,
      schemaVersion: catalog.schemaVersion,
      integrity: catalog.integrity('full'),
      outputs: catalog.outputs.count(),
      objects: catalog.db.prepare('SELECT count(*) FROM objects').pluck().get() as number,
      ...(free !== undefined ? { freeBytes: free } : {}),
    },
    models: { path: catalog.paths.models },
    ...(cuda ? { cuda } : {}),
  };
}
