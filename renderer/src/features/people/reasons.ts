import { useTranslation } from 'react-i18next';
import type { StudioErrorShape } from '../../../../native/api';
import { useDetectorMissing } from './people-data';
import type { Reason, RejectedFile, Verdict } from './types';

/** A reason code with its parameters in the UI language (the CLI's English comes from the same codes). */
export function useReasonText() {
  const { t } = useTranslation();
  return (reason: Pick<Reason, 'code' | 'params'>) => {
    const params: Record<string, unknown> = { ...reason.params };
    if (typeof params.position === 'string') params.position = t(`people.positions.${params.position}`);
    return t(`people.reasons.${reason.code}`, params);
  };
}

/** Why a file was not imported, and what to do, in the UI language; kinds it does not know keep the engine's words. */
export function useRejectedFileText() {
  const { t } = useTranslation();
  return (file: Pick<RejectedFile, 'name' | 'reason' | 'hint' | 'kind'>): { reason: string; hint: string | null } =>
    file.kind && file.kind !== 'unreadable'
      ? { reason: t(`people.imported.why.${file.kind}`, { name: file.name }), hint: t(`people.imported.fix.${file.kind}`) }
      : { reason: file.reason, hint: file.hint };
}

/**
 * Why a photo is not vetted, in the UI language when it is the usual reason (the face detector is not installed
 * yet); other errors keep the engine's words.
 */
export function useVetErrorText() {
  const { t } = useTranslation();
  const detectorMissing = useDetectorMissing();
  return (error: StudioErrorShape): StudioErrorShape =>
    detectorMissing && error.code === 'MODEL_ERROR'
      ? { ...error, message: t('people.notVetted.detectorMissing'), hint: t('people.notVetted.detectorHint') }
      : error;
}

export type VerdictKey = Verdict | 'unvetted';

export function verdictKey(verdict: Verdict | null): VerdictKey {
  return verdict ?? 'unvetted';
}
