import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../api/errors';
import { Template } from '../api/namespaces/generate';
import { appRoot } from '../core/entry-points';

/** Prompt templates (assets/templates/*.json): a portrait style each, with {trigger} and {class} for the person. */
export function loadTemplates(dir = join(appRoot(), 'assets', 'templates')): Template[] {
  const templates: Template[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      throw new StudioError('INTERNAL', `assets/templates/${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = Template.safeParse(raw);
    if (!parsed.success)
      throw new StudioError(
        'INTERNAL',
        `assets/templates/${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    if (`${parsed.data.name}.json` !== file)
      throw new StudioError('INTERNAL', `assets/templates/${file} is named “${parsed.data.name}” inside; the file name must match.`);
    templates.push(parsed.data);
  }
  return templates;
}

export function findTemplate(name: string, templates: readonly Template[] = loadTemplates()): Template {
  const template = templates.find((t) => t.name === name);
  if (!template) throw new StudioError('NOT_FOUND', `No template “${name}”.`, `Templates: ${templates.map((t) => t.name).join(', ')}.`);
  return template;
}

/** Puts the person into a prompt: {trigger} → their trigger word, {class} → their class word (or "person"). */
export function fillPrompt(text: string, person: { trigger: string; classWord: string } | undefined): string {
  return text
    .replaceAll('{trigger}', person?.trigger ?? '')
    .replaceAll('{class}', person?.classWord ?? 'person')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ,/g, ',')
    .trim();
}
