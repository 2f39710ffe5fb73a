import type { FarmStatus } from '../../api/namespaces/farm';
import type { StudioHandlers } from '../../api/contract';
import { toStudioError } from '../../core/errors';
import { checkFarm, FARM_SETTING, farmChoice } from '../../farm/connect';
import { readFarmStatus } from '../../farm/farm-queue';
import { parseFarmUrl } from '../../farm/farm-url';
import type { StudioContext } from './context';

const noFarm: FarmStatus = {
  configured: false,
  url: null,
  source: null,
  reachable: false,
  error: null,
  hint: null,
  workers: [],
  waiting: 0,
  active: 0,
};

export function farmHandlers({ catalog }: StudioContext): StudioHandlers['farm'] {
  const status = async (): Promise<FarmStatus> => {
    let choice;
    try {
      choice = farmChoice(catalog);
    } catch (error) {
      // A saved address this version refuses (no password, say): shown with the reason, so it can be replaced.
      const refused = toStudioError(error);
      return { ...noFarm, configured: true, error: refused.message, hint: refused.hint ?? null };
    }
    return choice ? readFarmStatus(choice.address, choice.source) : noFarm;
  };
  return {
    status,
    configure: async ({ url }) => {
      if (url === null) {
        catalog.setSetting(FARM_SETTING, null);
        return status();
      }
      // Saved only once it answers: a typo in the password fails here, not in the first batch.
      await checkFarm(parseFarmUrl(url));
      catalog.setSetting(FARM_SETTING, url.trim());
      return status();
    },
  };
}
