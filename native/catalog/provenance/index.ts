import { isA1111Text, parseA1111Parameters } from './a1111';
import { parseComfyPrompt } from './comfyui';
import { readExifText } from './exif';
import { parseFooocusJson } from './fooocus';
import { parseInvokeMetadata } from './invokeai';
import type { Provenance } from './types';

export type { Provenance } from './types';

export interface EmbeddedMetadata {
  /** PNG tEXt/iTXt/zTXt chunks (sharp's `metadata().comments`). */
  texts: { keyword: string; text: string }[];
  exif?: Buffer | undefined;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the generation metadata another tool embedded in an image. Returns the parsed provenance
 * and the raw texts it came from (kept verbatim so nothing is lost if a parser misreads).
 */
export function extractProvenance(meta: EmbeddedMetadata): { provenance: Provenance | null; raw: Record<string, string> } {
  const raw: Record<string, string> = {};
  for (const { keyword, text } of meta.texts) raw[keyword] = text;

  let provenance: Provenance | null = null;
  const parameters = raw.parameters;
  if (raw.invokeai_metadata) {
    const json = parseJson(raw.invokeai_metadata);
    if (json) provenance = parseInvokeMetadata(json);
  }
  if (!provenance && raw.prompt) {
    const graph = parseJson(raw.prompt);
    if (graph) provenance = parseComfyPrompt(graph as Parameters<typeof parseComfyPrompt>[0]);
  }
  if (!provenance && parameters) {
    const json = parameters.trimStart().startsWith('{') ? parseJson(parameters) : undefined;
    provenance = json ? parseFooocusJson(json) : parseA1111Parameters(parameters);
  }
  if (!provenance && meta.exif) {
    const exif = readExifText(meta.exif);
    if (exif.userComment) {
      raw.exif_user_comment = exif.userComment;
      const json = exif.userComment.trimStart().startsWith('{') ? parseJson(exif.userComment) : undefined;
      // A camera or an editor may leave any comment here: only generation settings count as provenance.
      if (json?.prompt !== undefined) provenance = parseFooocusJson(json);
      else if (isA1111Text(exif.userComment)) provenance = parseA1111Parameters(exif.userComment);
      if (provenance && exif.software && /fooocus/i.test(exif.software)) provenance.generator = 'fooocus';
    }
  }
  return { provenance, raw };
}
