import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { Person } from '../../api/types';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';
import { ErrorNotice } from '../../app/page-elements';
import { ConfirmInline } from '../../components/ConfirmInline';
import { isLive, upsertJob, useJobs } from '../jobs/jobs-data';
import { peopleKeys } from './people-data';
import { VerdictBadge } from './PhotoGrid';
import { useReasonText, useVetErrorText, verdictKey } from './reasons';
import type { CropNudge, Photo, Verdict } from './types';

/** Reasons that say a photo shows several people (their `count` is how many faces count as people). */
const severalFaceReasons = new Set(['several-faces', 'main-face', 'matched-face', 'chosen-face']);

/**
 * "Which face is Ada?" in a photo of several people: the faces that count, numbered on the photo's overlay and
 * offered by position; choosing one measures, crops and judges the photo on it (a vet job), and Likeness can be
 * left to choose again.
 */
function FaceChooser({ photo, person }: { photo: Photo; person: Person }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const several = photo.reasons.find((r) => severalFaceReasons.has(r.code));
  const choose = useMutation({
    mutationFn: (face: number | null) => studio.api.people.chooseFace({ photoId: photo.id, face }),
    onSuccess: (job) => {
      upsertJob(client, job);
      void client.invalidateQueries({ queryKey: peopleKeys.photos(person.id) });
    },
  });
  const measuring = useJobs().data?.find((j) => j.id === choose.data?.id);
  if (!several || !photo.measures) return null;
  const count = Number(several.params.count) || 2;
  // The faces that count as people: the most confident `count` of them, offered left to right.
  const faces = photo.measures.faces
    .map((face, index) => ({ face, index }))
    .sort((a, b) => b.face.score - a.face.score)
    .slice(0, count)
    .sort((a, b) => a.face.box.x - b.face.box.x);
  const measured = photo.measures.measuredFace;
  const position = (x: number) => {
    const centre = x / photo.width;
    return t(`people.positions.${centre < 0.38 ? 'left' : centre > 0.62 ? 'right' : 'centre'}`);
  };
  return (
    <section className="detail-section" data-testid="face-chooser">
      <h3 className="detail-section-title">{t('people.detail.whichFace', { name: person.name })}</h3>
      <div className="face-choices" role="group" aria-label={t('people.detail.whichFace', { name: person.name })}>
        {faces.map(({ face, index }, n) => (
          <button
            key={index}
            type="button"
            className={index === measured && photo.chosenFace !== null ? 'button small active' : 'button small'}
            aria-pressed={photo.chosenFace === index}
            disabled={choose.isPending}
            onClick={() => choose.mutate(index)}
          >
            {t('people.detail.faceNumber', { number: n + 1, position: position(face.box.x + face.box.width / 2) })}
          </button>
        ))}
        {photo.chosenFace !== null && (
          <button type="button" className="button small" disabled={choose.isPending} onClick={() => choose.mutate(null)}>
            {t('people.detail.letLikenessChoose')}
          </button>
        )}
      </div>
      {(choose.isPending || (measuring !== undefined && isLive(measuring))) && (
        <p className="small-text muted" role="status">
          {t('people.detail.measuringFace')}
        </p>
      )}
      <ErrorNotice error={choose.error} />
    </section>
  );
}

/** The photo (thumbnail) with the face box and the crop square drawn over it, in the photo's own pixels. */
function PhotoWithOverlay({ photo, overlay }: { photo: Photo; overlay: boolean }) {
  const { t } = useTranslation();
  const face = photo.measures && photo.measures.measuredFace !== null ? photo.measures.faces[photo.measures.measuredFace] : undefined;
  const crop = photo.crop?.info;
  return (
    <div className="photo-view">
      {photo.thumbHash && <img src={studio.mediaUrl(photo.thumbHash)} alt={t('people.detail.original')} />}
      {overlay && (
        <svg className="photo-overlay" viewBox={`0 0 ${photo.width} ${photo.height}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
          {photo.measures?.faces.map((f, i) => (
            <rect
              key={i}
              className={f === face ? 'overlay-face' : 'overlay-other-face'}
              x={f.box.x}
              y={f.box.y}
              width={f.box.width}
              height={f.box.height}
              vectorEffect="non-scaling-stroke"
            />
          ))}
          {face &&
            Object.values(face.landmarks).map((p, i) => (
              <circle key={i} className="overlay-landmark" cx={p.x} cy={p.y} r={Math.max(2, photo.width / 160)} />
            ))}
          {crop && crop.side > 0 && (
            <rect
              className="overlay-crop"
              x={crop.center.x - crop.side / 2}
              y={crop.center.y - crop.side / 2}
              width={crop.side}
              height={crop.side}
              transform={`rotate(${crop.angle} ${crop.center.x} ${crop.center.y})`}
              vectorEffect="non-scaling-stroke"
            />
          )}
        </svg>
      )}
    </div>
  );
}

function Measures({ photo, cropSize }: { photo: Photo; cropSize: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const m = photo.measures;
  if (!m) return null;
  const face = m.face;
  const main = m.measuredFace !== null ? m.faces[m.measuredFace] : undefined;
  const percent = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
  const rows: [string, string][] = [
    [t('people.measures.size'), t('people.measures.sizeValue', { width: format.number(m.width), height: format.number(m.height) })],
    [t('people.measures.format'), [m.source.format, m.source.space, m.source.depth].filter(Boolean).join(' · ')],
    [t('people.measures.faces'), format.number(m.faces.length)],
    [t('people.measures.tone'), t(`people.tone.${m.tone.kind}`)],
  ];
  if (face && main) {
    rows.push(
      [t('people.measures.face'), t('people.measures.faceValue', { px: Math.round(face.heightPx), share: (face.share * 100).toFixed(1) })],
      ...(photo.crop ? ([[t('people.measures.enlarge', { size: cropSize }), `${photo.crop.info.scale.toFixed(1)}×`]] as [string, string][]) : []),
      [t('people.measures.score'), percent(main.score)],
      [t('people.measures.sharpness'), face.sharpness.toFixed(3)],
      [t('people.measures.brightness'), `${Math.round(face.exposure.brightness)} / 255`],
      [t('people.measures.contrast'), percent(face.exposure.contrast)],
      [t('people.measures.highlights'), percent(face.exposure.highlights)],
      [t('people.measures.shadows'), percent(face.exposure.shadows)],
      [t('people.measures.roll'), `${face.roll.toFixed(0)}°`],
      [t('people.measures.yaw'), `${face.yaw.toFixed(0)}°`],
    );
  }
  return (
    <dl className="measure-list" data-testid="measures">
      {rows.map(([label, value]) => (
        <div key={label} className="measure-row">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function OverrideForm({ photo, onSaved }: { photo: Photo; onSaved: (photos: Photo[]) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [choice, setChoice] = useState<Verdict>(photo.verdict === 'accepted' ? 'rejected' : 'accepted');
  const [reason, setReason] = useState('');
  const save = useMutation({
    mutationFn: (verdict: Verdict | null) => studio.api.people.override({ photoIds: [photo.id], verdict, reason }),
    onSuccess: (photos) => {
      setReason('');
      onSaved(photos);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(choice);
  };
  const label = (v: Verdict) => t(`people.override.${v === 'accepted' ? 'accept' : v === 'rejected' ? 'reject' : 'review'}`);
  if (photo.override) {
    return (
      <section className="detail-section" aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`} className="detail-section-title">
          {t('people.override.current', { verdict: t(`people.verdicts.${photo.override.verdict}`) })}
        </h3>
        <p className="override-reason">“{photo.override.reason}”</p>
        <p className="muted small-text">{t('people.override.computed', { verdict: t(`people.verdicts.${verdictKey(photo.computedVerdict)}`) })}</p>
        <ErrorNotice error={save.error} />
        <div>
          <button type="button" className="button small" disabled={save.isPending} onClick={() => save.mutate(null)}>
            {t('people.override.clear')}
          </button>
        </div>
      </section>
    );
  }
  return (
    <form className="detail-section" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`} className="detail-section-title">
        {t('people.override.title')}
      </h3>
      <p className="muted small-text">{t('people.override.help')}</p>
      <div className="override-choices" role="radiogroup" aria-label={t('people.override.title')}>
        {(['accepted', 'review', 'rejected'] as const).map((v) => (
          <button key={v} type="button" role="radio" aria-checked={choice === v} className={`button small choice-${v}`} onClick={() => setChoice(v)}>
            {label(v)}
          </button>
        ))}
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('people.override.reason')}</label>
        <input
          id={`${id}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder={t('people.override.reasonPlaceholder')}
          aria-invalid={Boolean(save.error) || undefined}
        />
      </div>
      <ErrorNotice error={save.error} />
      <div>
        <button type="submit" className="button small primary" disabled={save.isPending || !reason.trim()}>
          {t('people.override.apply', { verdict: label(choice) })}
        </button>
      </div>
    </form>
  );
}

const NUDGE_STEP = 0.04;
const ZOOM_STEP = 1.1;

function CropSection({ photo, onSaved }: { photo: Photo; onSaved: (photo: Photo) => void }) {
  const { t } = useTranslation();
  const reasonText = useReasonText();
  const nudge = useMutation({
    mutationFn: (next: CropNudge | null) => studio.api.people.nudgeCrop({ photoId: photo.id, nudge: next }),
    onSuccess: onSaved,
  });
  const current = photo.nudge ?? { dx: 0, dy: 0, zoom: 1 };
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v * 1000) / 1000));
  const move = (dx: number, dy: number, zoom = 1) =>
    nudge.mutate({ dx: clamp(current.dx + dx, -0.5, 0.5), dy: clamp(current.dy + dy, -0.5, 0.5), zoom: clamp(current.zoom * zoom, 0.5, 2.5) });
  const controls: [string, () => void, string][] = [
    ['left', () => move(-NUDGE_STEP, 0), '←'],
    ['up', () => move(0, -NUDGE_STEP), '↑'],
    ['down', () => move(0, NUDGE_STEP), '↓'],
    ['right', () => move(NUDGE_STEP, 0), '→'],
    ['zoomIn', () => move(0, 0, ZOOM_STEP), '+'],
    ['zoomOut', () => move(0, 0, 1 / ZOOM_STEP), '−'],
  ];
  return (
    <section className="detail-section">
      <h3 className="detail-section-title">
        {t('people.crop.title')} {photo.crop && <span className="muted">· {photo.crop.size} px</span>}
        {photo.nudge && <span className="muted"> · {t('people.crop.nudged')}</span>}
      </h3>
      {photo.crop ? (
        <div className="crop-row">
          <img className="crop-preview" src={studio.mediaUrl(photo.crop.hash)} alt={t('people.crop.title')} data-testid="crop-preview" />
          <div className="crop-controls">
            {controls.map(([key, action, symbol]) => (
              <button
                key={key}
                type="button"
                className="button small"
                aria-label={t(`people.crop.${key}`)}
                title={t(`people.crop.${key}`)}
                disabled={nudge.isPending}
                onClick={action}
              >
                {symbol}
              </button>
            ))}
            <button type="button" className="button small crop-reset" disabled={nudge.isPending || !photo.nudge} onClick={() => nudge.mutate(null)}>
              {t('people.crop.reset')}
            </button>
          </div>
        </div>
      ) : (
        <p className="muted small-text">{t('people.crop.none')}</p>
      )}
      {photo.crop && photo.crop.info.notes.length > 0 && (
        <ul className="reason-list compact">
          {photo.crop.info.notes.map((note) => (
            <li key={note.code} className="reason reason-info">
              {reasonText(note)}
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={nudge.error} />
    </section>
  );
}

function CaptionForm({ photo, person, onSaved }: { photo: Photo; person: Person; onSaved: (photo: Photo) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [custom, setCustom] = useState(photo.captionCustom ?? '');
  const [extra, setExtra] = useState(photo.captionExtra);
  const save = useMutation({
    mutationFn: () => studio.api.people.setCaption({ photoId: photo.id, caption: custom.trim() || null, extra }),
    onSuccess: onSaved,
  });
  const fallback = `photo of ${person.trigger} ${person.classWord}`;
  const dirty = custom !== (photo.captionCustom ?? '') || extra !== photo.captionExtra;
  return (
    <form
      className="detail-section"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h3 className="detail-section-title">{t('people.caption.title')}</h3>
      <div className="field">
        <label htmlFor={`${id}-custom`}>{t('people.caption.custom')}</label>
        <input id={`${id}-custom`} value={custom} onChange={(e) => setCustom(e.target.value)} placeholder={fallback} spellCheck={false} />
        <p className="field-help">{t('people.caption.customHelp', { default: fallback })}</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-extra`}>{t('people.caption.extra')}</label>
        <input
          id={`${id}-extra`}
          value={extra}
          onChange={(e) => setExtra(e.target.value)}
          placeholder={t('people.caption.extraPlaceholder')}
          spellCheck={false}
        />
      </div>
      <p className="caption-result small-text" data-testid="caption-result">
        {t('people.caption.result', { caption: photo.caption })}
      </p>
      <ErrorNotice error={save.error} />
      <div>
        <button type="submit" className="button small" disabled={save.isPending || !dirty}>
          {t('people.caption.save')}
        </button>
      </div>
    </form>
  );
}

export function PhotoDetail({ photo, person, onClose }: { photo: Photo; person: Person; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const reasonText = useReasonText();
  const vetErrorText = useVetErrorText();
  const [overlay, setOverlay] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const replace = (updated: Photo[]) => {
    client.setQueryData<Photo[]>(peopleKeys.photos(person.id), (list) => list?.map((p) => updated.find((u) => u.id === p.id) ?? p));
    void client.invalidateQueries({ queryKey: peopleKeys.photos(person.id) });
  };
  const remove = useMutation({
    mutationFn: () => studio.api.people.removePhotos({ photoIds: [photo.id] }),
    onSuccess: () => {
      client.setQueryData<Photo[]>(peopleKeys.photos(person.id), (list) => list?.filter((p) => p.id !== photo.id));
      void client.invalidateQueries({ queryKey: peopleKeys.photos(person.id) });
      onClose();
    },
  });
  const verdict = verdictKey(photo.verdict);
  return (
    <section className="photo-detail" aria-label={photo.originalName} data-testid="photo-detail">
      <header className="photo-detail-header">
        <h2 className="photo-detail-title" title={photo.originalName}>
          {photo.originalName}
        </h2>
        <button type="button" className="icon-button" aria-label={t('people.detail.close')} title={t('people.detail.close')} onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </header>
      <div className="photo-detail-body">
        <PhotoWithOverlay photo={photo} overlay={overlay} />
        <label className="checkbox small-text">
          <input type="checkbox" checked={overlay} onChange={(e) => setOverlay(e.target.checked)} />
          <span>{t('people.detail.showOverlay')}</span>
        </label>

        <section className="detail-section">
          <div className="verdict-line">
            <VerdictBadge verdict={verdict} byHand={Boolean(photo.override)} />
            {photo.versions.length > 0 && (
              <span className="muted small-text">{t('people.detail.inVersions', { versions: photo.versions.join(', ') })}</span>
            )}
          </div>
          <h3 className="detail-section-title">{t('people.detail.why')}</h3>
          {photo.vetError && <ErrorNotice error={vetErrorText(photo.vetError)} title={t('people.imported.notVetted')} />}
          {photo.reasons.length ? (
            <ul className="reason-list" data-testid="reasons">
              {photo.reasons.map((reason, i) => (
                <li key={`${reason.code}-${i}`} className={`reason reason-${reason.severity}`}>
                  {reasonText(reason)}
                </li>
              ))}
            </ul>
          ) : (
            photo.measures && <p className="muted">{t('people.detail.noReasons')}</p>
          )}
        </section>

        <FaceChooser photo={photo} person={person} />
        <OverrideForm key={`${photo.id}-${photo.override?.at ?? 0}`} photo={photo} onSaved={replace} />
        <CropSection photo={photo} onSaved={(p) => replace([p])} />
        <CaptionForm key={photo.id} photo={photo} person={person} onSaved={(p) => replace([p])} />

        <section className="detail-section">
          <h3 className="detail-section-title">{t('people.detail.measured')}</h3>
          <Measures photo={photo} cropSize={person.cropSize} />
        </section>

        <div className="detail-remove">
          {confirming ? (
            <ConfirmInline
              question={t('people.detail.removeConfirm', { name: person.name })}
              confirmLabel={t('common.delete')}
              pending={remove.isPending}
              onConfirm={() => remove.mutate()}
              onKeep={() => setConfirming(false)}
            />
          ) : (
            <button type="button" className="button small" onClick={() => setConfirming(true)}>
              {t('people.detail.remove')}
            </button>
          )}
          <ErrorNotice error={remove.error} />
        </div>
      </div>
    </section>
  );
}
