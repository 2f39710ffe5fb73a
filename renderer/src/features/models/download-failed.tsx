import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { StudioErrorShape } from '../../../../native/api';
import { downloadProblems, type DownloadProblem } from '../../../../native/api/namespaces/models';
import { ErrorNotice } from '../../app/page-elements';

/** A failed download in the user's language when the engine named the problem; other errors keep its words. */
export function downloadError(t: TFunction, error: StudioErrorShape): StudioErrorShape {
  const details = (error.details ?? {}) as { problem?: string; host?: string; status?: number };
  const problem = downloadProblems.find((p) => p === details.problem) as DownloadProblem | undefined;
  if (!problem) return error;
  return {
    ...error,
    message: t(`models.downloadProblem.${problem}.message`, { host: details.host ?? '', status: details.status ?? '' }),
    hint: t(`models.downloadProblem.${problem}.hint`),
  };
}

/** A failed model download where the model is named (its row, the Restore page): headed as a download, in the user's words. */
export function DownloadFailed({ error }: { error: StudioErrorShape }) {
  const { t } = useTranslation();
  return <ErrorNotice title={t('models.downloadFailed')} error={downloadError(t, error)} />;
}
