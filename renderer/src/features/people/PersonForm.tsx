import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { Person } from '../../api/types';
import { queryKeys } from '../../app/query';
import { describeError, ErrorNotice } from '../../app/page-elements';
import { cropSizes } from './types';

type CropSize = (typeof cropSizes)[number];

export const classWords = ['person', 'man', 'woman', 'child', 'boy', 'girl'] as const;
const OTHER = '__other__';

/** The engine prefixes input errors with the field ("trigger: use one short…"): mark that field. */
function invalidFields(error: unknown): Set<string> {
  const { message } = describeError(error);
  return new Set([...message.matchAll(/(?:^|; )(\w+):/g)].map((m) => m[1]!));
}

export function PersonForm({ person, onDone }: { person?: Person | undefined; onDone?: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const id = useId();
  const preset = person ? (classWords as readonly string[]).includes(person.classWord) : true;
  const [name, setName] = useState(person?.name ?? '');
  const [trigger, setTrigger] = useState(person?.trigger ?? '');
  const [classChoice, setClassChoice] = useState(person ? (preset ? person.classWord : OTHER) : 'person');
  const [classOther, setClassOther] = useState(person && !preset ? person.classWord : '');
  const [notes, setNotes] = useState(person?.notes ?? '');
  const [cropSize, setCropSize] = useState<CropSize>(person?.cropSize ?? 512);

  const save = useMutation({
    mutationFn: () => {
      const classWord = classChoice === OTHER ? classOther : classChoice;
      const fields = { name, classWord, notes, cropSize, trigger: trigger.trim() || undefined };
      return person ? studio.api.people.update({ id: person.id, ...fields }) : studio.api.people.create(fields);
    },
    onSuccess: (saved) => {
      client.setQueryData<Person[]>(queryKeys.people, (list) =>
        list ? [...list.filter((p) => p.id !== saved.id), saved].sort((a, b) => a.name.localeCompare(b.name)) : list,
      );
      void client.invalidateQueries({ queryKey: queryKeys.people });
      if (!person) {
        setName('');
        setTrigger('');
        setClassChoice('person');
        setClassOther('');
        setNotes('');
        setCropSize(512);
      }
      onDone?.();
    },
  });

  const invalid = invalidFields(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        {person ? t('people.editTitle', { name: person.name }) : t('people.addTitle')}
      </h2>

      <div className="field">
        <label htmlFor={`${id}-name`}>{t('people.name')}</label>
        <input
          id={`${id}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={invalid.has('name') || undefined}
          autoComplete="off"
          placeholder={t('people.namePlaceholder')}
        />
      </div>

      <div className="field">
        <label htmlFor={`${id}-trigger`}>{t('people.trigger')}</label>
        <input
          id={`${id}-trigger`}
          className="mono"
          value={trigger}
          onChange={(e) => setTrigger(e.target.value)}
          aria-invalid={invalid.has('trigger') || undefined}
          aria-describedby={`${id}-trigger-help`}
          autoComplete="off"
          spellCheck={false}
          placeholder={person ? undefined : t('people.triggerPlaceholder')}
        />
        <p id={`${id}-trigger-help`} className="field-help">
          {t('people.triggerHelp')}
        </p>
      </div>

      <div className="field">
        <label htmlFor={`${id}-class`}>{t('people.classWord')}</label>
        <div className="field-row">
          <select id={`${id}-class`} value={classChoice} onChange={(e) => setClassChoice(e.target.value)} aria-describedby={`${id}-class-help`}>
            {classWords.map((word) => (
              <option key={word} value={word}>
                {t(`people.classWords.${word}`)}
              </option>
            ))}
            <option value={OTHER}>{t('people.classOther')}</option>
          </select>
          {classChoice === OTHER && (
            <input
              aria-label={t('people.classOtherLabel')}
              value={classOther}
              onChange={(e) => setClassOther(e.target.value)}
              aria-invalid={invalid.has('classWord') || undefined}
              placeholder={t('people.classOtherPlaceholder')}
              autoComplete="off"
            />
          )}
        </div>
        <p id={`${id}-class-help`} className="field-help">
          {/* The prompt as it will read, with this form's own words (examples where they are still empty). */}
          {t('people.classHelp', {
            trigger: trigger.trim() || 'ohwx',
            classWord: (classChoice === OTHER ? classOther.trim() : classChoice) || 'woman',
          })}
        </p>
      </div>

      <div className="field">
        <label htmlFor={`${id}-size`}>{t('people.cropSize')}</label>
        <select
          id={`${id}-size`}
          value={cropSize}
          onChange={(e) => setCropSize(Number(e.target.value) as CropSize)}
          aria-describedby={`${id}-size-help`}
        >
          {cropSizes.map((size) => (
            <option key={size} value={size}>
              {t(`people.cropSizes.${size}`)}
            </option>
          ))}
        </select>
        <p id={`${id}-size-help`} className="field-help">
          {t('people.cropSizeHelp')}
        </p>
      </div>

      <div className="field">
        <label htmlFor={`${id}-notes`}>{t('people.notes')}</label>
        <textarea id={`${id}-notes`} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} placeholder={t('people.notesPlaceholder')} />
      </div>

      <ErrorNotice error={save.error} title={t('people.saveFailed')} />

      <div className="form-actions">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {person ? t('common.save') : t('people.add')}
        </button>
        {person && (
          <button type="button" className="button" onClick={onDone}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
