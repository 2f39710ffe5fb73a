import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { LIKENESS_DIFFERENT, LIKENESS_SAME, type LikenessScore, type OutputDetail, type OutputFilter } from '../../api/types';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { ModalDialog } from '../../components/ModalDialog';
import { upsertJob } from '../jobs/jobs-data';

/** Query keys of likeness data; the `likeness:changed` event refreshes them. */
export const likenessKeys = {
  score: (id: number) => ['likeness', 'score', id] as const,
  /** Under the people keys: `people:changed` (vetting, overrides, freezing) refreshes it. */
  profile: (personId: number) => [...queryKeys.people, personId, 'likeness'] as const,
};

export type LikenessBand = 'same' | 'unsure' | 'different';

/** The model's calibration puts "same person" at 75 and "someone else" at 25 on every model. */
export function likenessBand(score: number): LikenessBand {
  return score >= LIKENESS_SAME ? 'same' : score <= LIKENESS_DIFFERENT ? 'different' : 'unsure';
}

/** The score on a tile or in the loupe: a number coloured by its band, with the band said in words. */
export function LikenessBadge({ score, className }: { score: number | null; className?: string }) {
  const { t } = useTranslation();
  if (score === null) return null;
  const band = likenessBand(score);
  // Rounded down, so the number never reads 75 ("same") on a face that is 74.6 ("could be").
  const shown = Math.floor(score);
  const label = t('review.likeness.badge', { score: shown, band: t(`review.likeness.bands.${band}`) });
  return (
    <span
      className={`likeness-badge likeness-${band}${className ? ` ${className}` : ''}`}
      role="img"
      aria-label={label}
      title={label}
      data-testid="likeness-badge"
    >
      {shown}
    </span>
  );
}

export function useLikenessScore(id: number) {
  return useQuery({
    queryKey: likenessKeys.score(id),
    queryFn: async (): Promise<LikenessScore | null> => (await studio.api.likeness.getScores({ ids: [id] }))[0] ?? null,
  });
}

export function useLikenessProfile(personId: number | null) {
  return useQuery({
    queryKey: likenessKeys.profile(personId ?? 0),
    queryFn: () => studio.api.likeness.getProfile({ personId: personId! }),
    enabled: personId !== null,
  });
}

// ---- reference pictures the user picks ("Dad at 40"), kept for this browser tab ----
const PICK_KEY = 'likeness.referencePictures';
const pickListeners = new Set<() => void>();
let pickSnapshot: string | null = null;
function readPick(): string {
  try {
    return sessionStorage.getItem(PICK_KEY) ?? '[]';
  } catch {
    return '[]';
  }
}
function subscribePick(listener: () => void): () => void {
  pickListeners.add(listener);
  return () => pickListeners.delete(listener);
}
function pickSnapshotOf(): string {
  pickSnapshot ??= readPick();
  return pickSnapshot;
}

/** The outputs picked as reference pictures, and a way to change them (every panel sees the change). */
export function useReferencePictures(): [number[], (ids: number[]) => void] {
  const text = useSyncExternalStore(subscribePick, pickSnapshotOf);
  const ids = JSON.parse(text) as number[];
  const set = (next: number[]) => {
    pickSnapshot = JSON.stringify(next.slice(0, 20));
    try {
      sessionStorage.setItem(PICK_KEY, pickSnapshot);
    } catch {
      // Private windows without storage keep the pick for this page only.
    }
    for (const listener of pickListeners) listener();
  };
  return [ids, set];
}

/** The picture a score was made against: a person's best reference photo, a restoration's original, or the first picked picture. */
function useReferenceImage(
  score: LikenessScore | null | undefined,
  best: { hash: string; name: string } | undefined,
): { hash: string; name: string } | null {
  const first = score?.reference.startsWith('outputs:') ? Number(score.reference.slice('outputs:'.length).split(',')[0]) : null;
  const picked = useQuery({
    queryKey: ['likeness', 'reference-output', first],
    queryFn: async () => (await studio.api.catalog.getOutputs({ ids: [first!] }))[0] ?? null,
    enabled: first !== null,
  });
  if (!score) return null;
  if (score.reference.startsWith('original:')) return { hash: score.reference.slice('original:'.length), name: '' };
  if (first !== null) return picked.data ? { hash: picked.data.hash, name: picked.data.originalName ?? `#${picked.data.id}` } : null;
  return best ?? null;
}

/** Candidate and reference side by side, at the same height. */
function ReferenceCompare({
  output,
  score,
  reference,
  onClose,
}: {
  output: OutputDetail;
  score: LikenessScore;
  reference: { hash: string; name: string };
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <ModalDialog title={t('review.likeness.compareTitle')} className="likeness-compare" onClose={onClose}>
      <div className="likeness-compare-panes" data-testid="reference-compare">
        <figure>
          {output.kind === 'video' ? (
            <video src={studio.mediaUrl(output.hash)} controls muted />
          ) : (
            <img src={studio.mediaUrl(output.hash)} alt={t('review.likeness.candidate')} />
          )}
          <figcaption>
            {t('review.likeness.candidate')} <LikenessBadge score={score.score} />
          </figcaption>
        </figure>
        <figure>
          <img src={studio.mediaUrl(reference.hash)} alt={t('review.likeness.reference')} />
          <figcaption>
            {score.reference.startsWith('original:')
              ? t('review.likeness.original')
              : score.reference.startsWith('outputs:')
                ? t('review.likeness.pickedReference', { name: reference.name })
                : t('review.likeness.bestReference', { name: reference.name })}
          </figcaption>
        </figure>
      </div>
    </ModalDialog>
  );
}

/** Starts a likeness job for outputs (ids or a filter) against a chosen person; the job row shows its progress. */
export function ScoreAgainstPerson({ ids, filter, defaultPersonId }: { ids?: number[]; filter?: OutputFilter; defaultPersonId?: number | null }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const id = useId();
  const people = useQuery({ queryKey: queryKeys.people, queryFn: () => studio.api.people.list() });
  const [pictures] = useReferencePictures();
  const [against, setAgainst] = useState<string>(defaultPersonId ? String(defaultPersonId) : '');
  const start = useMutation({
    mutationFn: () =>
      studio.api.likeness.score({
        ...(against === 'pictures' ? { referenceIds: pictures } : against ? { personId: Number(against) } : {}),
        ...(ids ? { ids } : { filter: filter ?? {} }),
      }),
    onSuccess: (job) => upsertJob(client, job),
  });
  if (!people.data?.length && !pictures.length) return null;
  return (
    <div className="likeness-score-form">
      <label htmlFor={id}>{t('review.likeness.against')}</label>
      <select id={id} value={against} onChange={(e) => setAgainst(e.target.value)} data-testid="likeness-person">
        <option value="">{t('review.likeness.ownPerson')}</option>
        {people.data?.map((p) => (
          <option key={p.id} value={String(p.id)}>
            {p.name}
          </option>
        ))}
        {pictures.length > 0 && <option value="pictures">{t('review.likeness.pictures', { count: pictures.length })}</option>}
      </select>
      <button type="button" className="button small" onClick={() => start.mutate()} disabled={start.isPending} data-testid="score-likeness">
        {t('review.likeness.score')}
      </button>
      {start.isSuccess && <span className="small-text muted">{t('review.likeness.started')}</span>}
      <ErrorNotice error={start.error} />
    </div>
  );
}

/** The likeness part of an output's details: its score, what it was compared with, by which model. */
export function LikenessSection({ output }: { output: OutputDetail }) {
  const { t } = useTranslation();
  const score = useLikenessScore(output.id);
  const personId = score.data?.personId ?? output.personId;
  const profile = useLikenessProfile(personId);
  const [comparing, setComparing] = useState(false);
  const [pictures, setPictures] = useReferencePictures();
  const picked = pictures.includes(output.id);
  const best = profile.data?.members[0];
  const reference = useReferenceImage(score.data, best);
  return (
    <section className="likeness-section" aria-label={t('review.likeness.title')} data-testid="likeness-section">
      <h3 className="section-title">{t('review.likeness.title')}</h3>
      {score.data ? (
        <p className="likeness-summary">
          <LikenessBadge score={score.data.score} />
          <span>
            {score.data.verdict === 'no-face' ? t('review.likeness.noFace') : t(`review.likeness.verdicts.${score.data.verdict}`)}
            {score.data.frames?.worst !== null && score.data.frames?.worst !== undefined && (
              <> · {t('review.likeness.worstFrame', { score: Math.round(score.data.frames.worst) })}</>
            )}
          </span>
          <span className="muted small-text">{t('review.likeness.model', { model: score.data.model })}</span>
        </p>
      ) : (
        <p className="muted small-text">{t('review.likeness.notScored')}</p>
      )}
      <div className="detail-actions">
        {score.data && reference && (
          <button type="button" className="button small" onClick={() => setComparing(true)} data-testid="compare-reference">
            {t('review.likeness.compare')}
          </button>
        )}
        {output.kind === 'image' && (
          <button
            type="button"
            className={picked ? 'button small active' : 'button small'}
            aria-pressed={picked}
            title={t('review.likeness.usePictureHelp')}
            onClick={() => setPictures(picked ? pictures.filter((p) => p !== output.id) : [...pictures, output.id])}
            data-testid="reference-picture"
          >
            {picked ? t('review.likeness.isPicture') : t('review.likeness.usePicture')}
          </button>
        )}
      </div>
      <ScoreAgainstPerson ids={[output.id]} defaultPersonId={output.personId} />
      <p className="muted small-text">{t('review.likeness.hint')}</p>
      {comparing && score.data && reference && (
        <ReferenceCompare output={output} score={score.data} reference={reference} onClose={() => setComparing(false)} />
      )}
    </section>
  );
}
