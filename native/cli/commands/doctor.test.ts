import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../api/schemas';
import { formatDoctor } from './doctor';

const report = {
  appVersion: '0.1.0',
  node: { version: 'v20.20.2', ok: true, required: '>=20.19' },
  platform: { os: 'linux', arch: 'x64', release: '6' },
  ffmpeg: { found: false, error: 'ffmpeg was not found.' },
  providers: [
    { name: 'cpu', status: 'ok', millis: 70 },
    { name: 'webgpu', status: 'error', error: 'Failed to get a WebGPU adapter' },
    { name: 'dml', status: 'error', error: 'no available backend found. ERR: [dml] backend not found.' },
    { name: 'coreml', status: 'error', error: 'no available backend found. ERR: [coreml] backend not found.' },
  ],
  onnxruntime: { version: '1.29.0' },
  gpu: { adapters: [] },
  library: { path: '/lib', schemaVersion: 4, integrity: 'ok', outputs: 3, objects: 6, freeBytes: 12_300_000_000 },
  models: { path: '/lib/models' },
} as unknown as DoctorReport;

describe('likeness doctor', () => {
  it('does not mark providers of other systems as failures on this one', () => {
    const lines = formatDoctor(report).split('\n');
    expect(lines.find((l) => l.includes('provider dml'))).toMatch(/^- {3}provider dml +not used on linux \(Windows only\): no available backend/);
    expect(lines.find((l) => l.includes('provider coreml'))).toMatch(/^- {3}provider coreml +not used on linux \(macOS only\)/);
    // One that Likeness would use here and that failed stays a failure, with its exact error.
    expect(lines.find((l) => l.includes('provider webgpu'))).toMatch(/^✗ +provider webgpu +Failed to get a WebGPU adapter/);
  });

  it('shows the free space on the library’s disk', () => {
    expect(formatDoctor(report)).toContain('12.30 GB free on its disk');
  });
});
