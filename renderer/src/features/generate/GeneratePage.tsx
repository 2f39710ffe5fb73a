import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearch } from 'wouter';
import { studio } from '../../api';
import { queryKeys } from '../../app/query';
import { EmptyState, ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { onlineWorkers, useFarmStatus } from '../jobs/farm-data';
import { upsertJob } from '../jobs/jobs-data';
import {
  generateKeys,
  useDebounced,
  useLoras,
  useModels,
  useTemplates,
  type GenerateRequest,
  type ModelInfo,
  type ReusedSettings,
  type Template,
} from './generate-data';
import { GenerateQueue } from './GenerateQueue';
import '../../styles/generate.css';

const schedulers = ['euler', 'euler-a', 'ddim', 'lcm', 'dpmpp-2m', 'dpmpp-2m-karras'] as const;
const providers = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
const sizes = ['', '1:1', '2:3', '3:2', '4:5', '9:16', '16:9', '512x512', '512x768', '768x512', '768x768', '1024x1024'] as const;
const schedulerLabels: Record<(typeof schedulers)[number], string> = {
  euler: 'Euler',
  'euler-a': 'Euler ancestral',
  ddim: 'DDIM',
  lcm: 'LCM',
  'dpmpp-2m': 'DPM++ 2M',
  'dpmpp-2m-karras': 'DPM++ 2M Karras',
};

const optionalNumber = (text: string): number | undefined => (text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));

function useTemplateText() {
  const { i18n } = useTranslation();
  return (template: Template) => template.translations[i18n.resolvedLanguage ?? 'en'] ?? { title: template.title, description: template.description };
}

/** `?from=<outputId>`: "Reuse settings" in Review opens Generate with that output's settings. */
function useReusedSettings() {
  const search = useSearch();
  const from = Number(new URLSearchParams(search).get('from'));
  const outputId = Number.isSafeInteger(from) && from > 0 ? from : null;
  const query = useQuery({
    queryKey: generateKeys.reuse(outputId ?? 0),
    queryFn: () => studio.api.generate.reuse({ outputId: outputId! }),
    enabled: outputId !== null,
    retry: false,
    staleTime: Infinity,
  });
  return { outputId, query };
}

export function GeneratePage() {
  const { t } = useTranslation();
  const models = useModels();
  const reuse = useReusedSettings();
  const installed = models.data?.filter((m) => m.kind === 'diffusion' && m.state === 'installed') ?? [];
  const reused = reuse.query.data;
  const waiting = models.isPending || (reuse.outputId !== null && reuse.query.isPending);
  return (
    <div className="page generate-page">
      <PageHeader title={t('nav.generate')} subtitle={t('generate.subtitle')} />
      {waiting && <Spinner label={t('common.loading')} />}
      <ErrorNotice error={models.error ?? reuse.query.error} />
      {models.data && !waiting && installed.length === 0 && (
        <EmptyState
          icon="generate"
          title={t('generate.emptyTitle')}
          action={
            <Link href="/models" className="button primary">
              {t('generate.nextAction')}
            </Link>
          }
        >
          <p>{t('generate.emptyBody')}</p>
          {reused?.modelName && <p>{t('generate.reuse.model-missing', { value: reused.modelName })}</p>}
        </EmptyState>
      )}
      {installed.length > 0 && !waiting && (
        <div className="generate-layout">
          {/* Keyed by the output: reusing another image starts the form afresh. */}
          <GenerateForm key={reused?.outputId ?? 'new'} models={installed} reused={reused} />
          <GenerateQueue />
        </div>
      )}
    </div>
  );
}

/** What the form shows about settings taken from an output: where they came from and what could not be taken over. */
function ReuseNotice({ reused }: { reused: ReusedSettings }) {
  const { t } = useTranslation();
  return (
    <div className="notice reuse-notice" role="status" data-testid="reuse-notice">
      <p className="notice-message">
        {reused.generator === 'likeness' || reused.generator === null
          ? t('generate.reuse.from', { id: reused.outputId })
          : t('generate.reuse.fromTool', { id: reused.outputId, tool: toolNames[reused.generator] ?? reused.generator })}
      </p>
      {reused.notes.length > 0 && (
        <ul className="reuse-notes">
          {reused.notes.map((note) => (
            <li key={`${note.kind}:${note.value}`}>{t(`generate.reuse.${note.kind}`, { value: note.value })}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const toolNames: Record<string, string> = { a1111: 'A1111', comfyui: 'ComfyUI', fooocus: 'Fooocus', invokeai: 'InvokeAI' };

function GenerateForm({ models, reused }: { models: ModelInfo[]; reused: ReusedSettings | undefined }) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const people = useQuery({ queryKey: queryKeys.people, queryFn: () => studio.api.people.list() });
  const loras = useLoras();
  const templates = useTemplates();
  const templateText = useTemplateText();

  // Reused settings fill the form once (one image: the same seed makes the same picture).
  const text = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  const [modelId, setModelId] = useState(reused?.model ?? models[0]!.id);
  const [personId, setPersonId] = useState<number | null>(reused?.personId ?? null);
  const [loraScales, setLoraScales] = useState<Record<string, number>>(() =>
    Object.fromEntries((reused?.loras ?? []).map((lora) => [lora.id, lora.scale])),
  );
  const [chosen, setChosen] = useState<string[]>(reused?.template ? [reused.template] : []);
  const [prompt, setPrompt] = useState(reused?.prompt ?? '');
  const [negative, setNegative] = useState(reused?.negativePrompt ?? '');
  const [count, setCount] = useState(reused ? '1' : '4');
  const [seed, setSeed] = useState(text(reused?.seed));
  const [steps, setSteps] = useState(text(reused?.steps));
  const [guidance, setGuidance] = useState(text(reused?.guidance));
  const [scheduler, setScheduler] = useState<string>(reused?.scheduler ?? '');
  const [size, setSize] = useState(reused?.size ?? '');
  const sizeChoices: readonly string[] = size && !(sizes as readonly string[]).includes(size) ? [...sizes, size] : sizes;
  const [provider, setProvider] = useState<(typeof providers)[number]>('auto');
  const [batchSize, setBatchSize] = useState('1');
  const farm = useFarmStatus();
  const farmWorkers = onlineWorkers(farm.data);
  // The farm when one is set and a worker is up; the user's own choice once made.
  const [runOnChoice, setRunOnChoice] = useState<'local' | 'farm' | null>(null);
  const runOn = farm.data?.configured ? (runOnChoice ?? (farmWorkers > 0 ? 'farm' : 'local')) : 'local';
  // The likeness gate: keep generating until `keep` candidates reach `minLikeness`, at most `maxTries` images.
  const [gateOn, setGateOn] = useState(false);
  const [gateKeep, setGateKeep] = useState('4');
  const [gateTries, setGateTries] = useState('40');
  const [gateMin, setGateMin] = useState('75');

  const model = models.find((m) => m.id === modelId) ?? models[0]!;
  const person = people.data?.find((p) => p.id === personId);
  const defaults = model.defaults;

  const request: GenerateRequest = useMemo(
    () => ({
      model: model.id,
      prompt: prompt.trim() || undefined,
      negativePrompt: negative.trim() || undefined,
      templates: chosen,
      personId,
      loras: Object.entries(loraScales).map(([loraId, scale]) => ({ id: loraId, scale })),
      count: Math.max(1, Math.min(1000, Math.round(optionalNumber(count) ?? 1))),
      seed: optionalNumber(seed),
      steps: optionalNumber(steps),
      guidance: optionalNumber(guidance),
      scheduler: (scheduler || undefined) as GenerateRequest['scheduler'],
      size: size || undefined,
      provider,
      batchSize: Math.max(1, Math.min(16, Math.round(optionalNumber(batchSize) ?? 1))),
      runOn,
      ...(gateOn && personId
        ? {
            likenessGate: {
              keep: Math.max(1, Math.round(optionalNumber(gateKeep) ?? 1)),
              maxTries: Math.max(1, Math.round(optionalNumber(gateTries) ?? 1)),
              minLikeness: Math.max(0, Math.min(100, optionalNumber(gateMin) ?? 75)),
            },
          }
        : {}),
    }),
    [
      model.id,
      prompt,
      negative,
      chosen,
      personId,
      loraScales,
      count,
      seed,
      steps,
      guidance,
      scheduler,
      size,
      provider,
      batchSize,
      runOn,
      gateOn,
      gateKeep,
      gateTries,
      gateMin,
    ],
  );
  const settled = useDebounced(request);
  const ready = request.templates!.length > 0 || Boolean(request.prompt);
  const plan = useQuery({
    queryKey: generateKeys.plan(settled),
    queryFn: () => studio.api.generate.plan(settled),
    enabled: settled.templates!.length > 0 || Boolean(settled.prompt),
    retry: false,
  });

  const start = useMutation({
    mutationFn: () => studio.api.generate.start(request),
    onSuccess: (job) => upsertJob(client, job),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };

  const toggleTemplate = (name: string) => setChosen((list) => (list.includes(name) ? list.filter((n) => n !== name) : [...list, name]));
  const sortedLoras = [...(loras.data ?? [])].sort((a, b) => Number(b.personId === personId) - Number(a.personId === personId));
  const first = plan.data?.images[0]?.seed;
  const last = plan.data?.images.at(-1)?.seed;

  return (
    <form className="card form generate-form" onSubmit={submit} noValidate aria-label={t('generate.formLabel')}>
      {reused && <ReuseNotice reused={reused} />}
      <div className="generate-fields">
        <div className="field">
          <label htmlFor={`${id}-model`}>{t('generate.model')}</label>
          <select id={`${id}-model`} value={model.id} onChange={(e) => setModelId(e.target.value)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
          {model.license.commercialUse === false && (
            <p className="field-help warning-text">{t('generate.nonCommercial', { license: model.license.name })}</p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-person`}>{t('generate.person')}</label>
          <select id={`${id}-person`} value={personId ?? ''} onChange={(e) => setPersonId(e.target.value ? Number(e.target.value) : null)}>
            <option value="">{t('generate.noPerson')}</option>
            {people.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <p className="field-help">
            {person ? t('generate.personHelp', { trigger: person.trigger, classWord: person.classWord }) : t('generate.personHelpNone')}
          </p>
        </div>
      </div>
      {person && (
        <fieldset className="field likeness-gate" data-testid="likeness-gate">
          <legend>
            <label>
              <input type="checkbox" checked={gateOn} onChange={(e) => setGateOn(e.target.checked)} /> {t('generate.gate.title')}
            </label>
          </legend>
          <p className="field-help">{t('generate.gate.help', { name: person.name })}</p>
          {gateOn && (
            <div className="generate-fields">
              <div className="field">
                <label htmlFor={`${id}-gate-keep`}>{t('generate.gate.keep')}</label>
                <input id={`${id}-gate-keep`} type="number" min={1} max={1000} value={gateKeep} onChange={(e) => setGateKeep(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={`${id}-gate-min`}>{t('generate.gate.minLikeness')}</label>
                <input id={`${id}-gate-min`} type="number" min={0} max={100} value={gateMin} onChange={(e) => setGateMin(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={`${id}-gate-tries`}>{t('generate.gate.maxTries')}</label>
                <input id={`${id}-gate-tries`} type="number" min={1} max={1000} value={gateTries} onChange={(e) => setGateTries(e.target.value)} />
              </div>
            </div>
          )}
        </fieldset>
      )}

      <fieldset className="field">
        <legend>{t('generate.loras')}</legend>
        {loras.data && loras.data.length === 0 && <p className="field-help">{t('generate.noLoras')}</p>}
        <ul className="generate-lora-list">
          {sortedLoras.map((lora) => {
            const on = lora.id in loraScales;
            const owner = people.data?.find((p) => p.id === lora.personId);
            return (
              <li key={lora.id} className="lora-item">
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={() =>
                      setLoraScales((current) => {
                        const next = { ...current };
                        if (on) delete next[lora.id];
                        else next[lora.id] = 1;
                        return next;
                      })
                    }
                  />
                  <span>{lora.name}</span>
                  {owner && <span className="muted small-text">{t('generate.forPerson', { name: owner.name })}</span>}
                </label>
                {on && (
                  <input
                    type="number"
                    className="scale-input"
                    step={0.05}
                    min={-4}
                    max={4}
                    aria-label={t('generate.loraScale', { name: lora.name })}
                    value={loraScales[lora.id]}
                    onChange={(e) => setLoraScales((current) => ({ ...current, [lora.id]: Number(e.target.value) }))}
                  />
                )}
              </li>
            );
          })}
        </ul>
      </fieldset>

      <fieldset className="field">
        <legend>{t('generate.templates')}</legend>
        <p className="field-help">{t('generate.templatesHelp')}</p>
        <div className="template-grid">
          {templates.data?.map((template) => (
            <label
              key={template.name}
              className={chosen.includes(template.name) ? 'template-card selected' : 'template-card'}
              title={template.prompt}
            >
              <input type="checkbox" checked={chosen.includes(template.name)} onChange={() => toggleTemplate(template.name)} />
              <span className="template-title">{templateText(template).title}</span>
              <span className="template-description">{templateText(template).description}</span>
            </label>
          ))}
        </div>
      </fieldset>

      <div className="field">
        <label htmlFor={`${id}-prompt`}>{t('generate.prompt')}</label>
        <textarea
          id={`${id}-prompt`}
          rows={2}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          placeholder={t('generate.promptPlaceholder')}
        />
      </div>

      <div className="generate-fields three">
        <div className="field">
          <label htmlFor={`${id}-count`}>{t('generate.count')}</label>
          <input id={`${id}-count`} type="number" min={1} max={1000} value={count} onChange={(e) => setCount(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-seed`}>{t('generate.seed')}</label>
          <div className="field-row">
            <input
              id={`${id}-seed`}
              className="grow mono"
              inputMode="numeric"
              value={seed}
              placeholder={t('generate.seedPlaceholder')}
              onChange={(e) => setSeed(e.target.value.replace(/\D/g, ''))}
            />
            <button
              type="button"
              className="button small"
              onClick={() => setSeed(String(Math.floor(Math.random() * 2 ** 32)))}
              aria-label={t('generate.randomSeed')}
            >
              ⟳
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-size`}>{t('generate.size')}</label>
          <select id={`${id}-size`} value={size} onChange={(e) => setSize(e.target.value)}>
            {sizeChoices.map((s) => (
              <option key={s} value={s}>
                {s === '' ? t('generate.sizeAuto') : s}
              </option>
            ))}
          </select>
        </div>
      </div>

      <details className="advanced">
        <summary>{t('generate.advanced')}</summary>
        {defaults?.turbo && <p className="field-help">{t('generate.turboNote')}</p>}
        <div className="field">
          <label htmlFor={`${id}-negative`}>{t('generate.negative')}</label>
          <textarea
            id={`${id}-negative`}
            rows={2}
            value={negative}
            onChange={(e) => setNegative(e.target.value)}
            placeholder={t('generate.negativePlaceholder')}
          />
        </div>
        <div className="generate-fields three">
          <div className="field">
            <label htmlFor={`${id}-steps`}>{t('generate.steps')}</label>
            <input
              id={`${id}-steps`}
              type="number"
              min={1}
              max={200}
              value={steps}
              placeholder={String(defaults?.steps ?? '')}
              onChange={(e) => setSteps(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-guidance`}>{t('generate.guidance')}</label>
            <input
              id={`${id}-guidance`}
              type="number"
              min={0}
              max={30}
              step={0.5}
              value={guidance}
              placeholder={String(defaults?.guidance ?? '')}
              onChange={(e) => setGuidance(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-scheduler`}>{t('generate.scheduler')}</label>
            <select id={`${id}-scheduler`} value={scheduler} onChange={(e) => setScheduler(e.target.value)}>
              <option value="">{t('generate.defaultValue', { value: defaults ? schedulerLabels[defaults.scheduler] : '' })}</option>
              {schedulers.map((s) => (
                <option key={s} value={s}>
                  {schedulerLabels[s]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="generate-fields">
          <div className="field">
            <label htmlFor={`${id}-provider`}>{t('generate.provider')}</label>
            <select id={`${id}-provider`} value={provider} onChange={(e) => setProvider(e.target.value as (typeof providers)[number])}>
              {providers.map((p) => (
                <option key={p} value={p}>
                  {p === 'auto' ? t('generate.providerAuto') : p}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-batch`}>{t('generate.batchSize')}</label>
            <input id={`${id}-batch`} type="number" min={1} max={16} value={batchSize} onChange={(e) => setBatchSize(e.target.value)} />
          </div>
        </div>
      </details>

      {farm.data?.configured && (
        <div className="field run-on-field">
          <label htmlFor={`${id}-run-on`}>{t('generate.runOn')}</label>
          <select id={`${id}-run-on`} value={runOn} onChange={(e) => setRunOnChoice(e.target.value as 'local' | 'farm')}>
            <option value="local">{t('generate.runOnLocal')}</option>
            <option value="farm">{farmWorkers > 0 ? t('generate.runOnFarm', { count: farmWorkers }) : t('generate.runOnFarmNone')}</option>
          </select>
        </div>
      )}
      <div className="form-actions generate-actions">
        <span className="plan-summary muted" data-testid="plan-summary" aria-live="polite">
          {plan.data &&
            (request.seed === undefined
              ? t('generate.planRandom', { count: plan.data.total })
              : plan.data.total === 1
                ? t('generate.planOne', { first })
                : t('generate.plan', { count: plan.data.total, first, last }))}
        </span>
        <button type="submit" className="button primary" disabled={!ready || start.isPending}>
          {start.isPending ? t('generate.starting') : t('generate.start')}
        </button>
      </div>
      <ErrorNotice error={start.error ?? plan.error} />
    </form>
  );
}
