import type { ProviderName } from '../api/schemas';

/**
 * The execution providers worth trying on each OS, best first (the `auto` order). CPU always comes
 * last and is always available; every step down is announced, never silent.
 */
export const providerOrder: Record<string, readonly ProviderName[]> = {
  linux: ['cuda', 'webgpu', 'cpu'],
  win32: ['cuda', 'dml', 'webgpu', 'cpu'],
  darwin: ['coreml', 'webgpu', 'cpu'],
};

export const allProviders: readonly ProviderName[] = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

export function autoProviders(platform: NodeJS.Platform = process.platform): readonly ProviderName[] {
  return providerOrder[platform] ?? ['cpu'];
}
