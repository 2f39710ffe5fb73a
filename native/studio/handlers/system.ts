import type { StudioHandlers } from '../../api/contract';
import { appVersion } from '../../core/version';
import { browseDirectory } from '../browse';
import { runDoctor } from '../doctor';
import type { StudioContext } from './context';

export function systemHandlers({ catalog }: StudioContext): StudioHandlers['system'] {
  return {
    info: async () => ({
      appVersion: appVersion(),
      libraryPath: catalog.paths.root,
      schemaVersion: catalog.schemaVersion,
      platform: process.platform,
      nodeVersion: process.version,
    }),
    doctor: () => runDoctor(catalog),
    browse: ({ path }) => browseDirectory(path),
  };
}
