import type { TFunction } from 'i18next';

/**
 * A registry model's name and licence in the user's language (models.json `names.<id>` / `licenses.<id>`): the
 * descriptive names ("YuNet-n face detector") are translated, makers' own names (GFPGAN, Apache-2.0) fall back to
 * the registry's words. Plain functions of `t`, so job titles use them too.
 */
export function modelName(t: TFunction, model: { id: string; name: string }): string {
  return t(`models.names.${model.id}`, { defaultValue: model.name });
}

export function licenseName(t: TFunction, model: { id: string }, english: string): string {
  return t(`models.licenses.${model.id}`, { defaultValue: english });
}
