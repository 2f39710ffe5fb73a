import { useTranslation } from 'react-i18next';
import type { Reason, Verdict } from './types';

/** A reason code with its parameters in the UI language (the CLI's English comes from the same codes). */
export function useReasonText() {
  const { t } = useTranslation();
  return (reason: Pick<Reason, 'code' | 'params'>) => {
    const params: Record<string, unknown> = { ...reason.params };
    if (typeof params.position === 'string') params.position = t(`people.positions.${params.position}`);
    return t(`people.reasons.${reason.code}`, params);
  };
}

export type VerdictKey = Verdict | 'unvetted';

export function verdictKey(verdict: Verdict | null): VerdictKey {
  return verdict ?? 'unvetted';
}
