import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import type { LikenessModel, LikenessProfile } from '../../api/namespaces/likeness';
import type { Catalog } from '../../catalog/catalog';
import { activeEmbedderId, BUILTIN_EMBEDDER, embedderSpec, embedderSpecs, LIKENESS_MODEL_SETTING } from '../../likeness/embedders';
import { personProfile } from '../../likeness/profile';
import { likenessScoreJob } from '../../likeness/score-job';
import { storedScores } from '../../likeness/score';
import { installState } from '../../models/installed';
import { requirePortraitModel } from '../../portrait/models';
import { findModel } from '../../models/registry';
import { rescoreQuietly } from '../../likeness/rescore';
import type { StudioContext } from './context';

/** The embedders with what the user needs to choose one (built in, installed, licence). */
function listModels(catalog: Catalog): LikenessModel[] {
  const active = activeEmbedderId(catalog);
  return embedderSpecs().map((spec) => {
    const builtIn = spec.id === BUILTIN_EMBEDDER;
    const registry = builtIn ? undefined : findModel(spec.id);
    return {
      id: spec.id,
      name: spec.name,
      builtIn,
      installed: builtIn || installState(catalog.paths.models, registry!) === 'installed',
      active: spec.id === active,
      dims: spec.dims,
      metric: spec.metric,
      calibration: spec.calibration,
      license: builtIn
        ? { name: 'MIT (face-api) · dlib model: CC0 (public domain)', commercialUse: true }
        : { name: registry!.license.name, commercialUse: registry!.license.commercialUse },
    };
  });
}

/** Read from stored embeddings only: cheap enough for the serving thread (a few hundred vectors at most). */
function profileOf(catalog: Catalog, personId: number): LikenessProfile | null {
  catalog.people.get(personId);
  const spec = embedderSpec(activeEmbedderId(catalog));
  const { profile, missing, version } = personProfile(catalog, personId, spec);
  if (!profile && !missing.length) return null;
  const face = (f: { face: { photoId: number | null; hash: string; name: string }; likeness: number }) => ({
    photoId: f.face.photoId,
    hash: f.face.hash,
    name: f.face.name,
    likeness: f.likeness,
  });
  return {
    personId,
    model: spec.id,
    modelName: spec.name,
    version,
    members: profile?.typicality.map(face) ?? [],
    outliers: profile?.outliers.map(face) ?? [],
    pending: missing.length,
    spread: profile?.spread ?? 0,
    calibration: { same: spec.calibration.same, different: spec.calibration.different, metric: spec.metric, source: spec.calibration.source },
  };
}

export function likenessHandlers({ catalog, jobs }: StudioContext): StudioHandlers['likeness'] {
  return {
    getProfile: async ({ personId }) => profileOf(catalog, personId),
    getScores: async ({ ids }) => storedScores(catalog, ids),
    score: async (request) => {
      const personName = request.personId !== undefined ? catalog.people.get(request.personId).name : '';
      return jobs.enqueue(likenessScoreJob.kind, { ...request, personName });
    },
    listModels: async () => listModels(catalog),
    setModel: async ({ id }) => {
      const model = listModels(catalog).find((m) => m.id === id);
      if (!model) throw new StudioError('NOT_FOUND', `No face-recognition model “${id}”.`, 'Pick one of the models listed on the Models page.');
      // Installed, and (ArcFace w600k_r50) allowed when its licence is non-commercial: the restorers' rule.
      if (!model.builtIn) requirePortraitModel(catalog, id, { kind: 'face-embedder' });
      const before = activeEmbedderId(catalog);
      catalog.setSetting(LIKENESS_MODEL_SETTING, id === BUILTIN_EMBEDDER ? null : id);
      // Scores of one model are not comparable with another's: everything scored is scored again.
      if (before !== id) rescoreQuietly(catalog, jobs);
      return listModels(catalog);
    },
  };
}
