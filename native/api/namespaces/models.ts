import { z } from 'zod';
import { method } from '../method';
import { Empty } from '../schemas';

export const ModelInfo = z.object({
  id: z.string(),
  kind: z.string(),
  family: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  license: z.object({ name: z.string(), url: z.string().nullable(), commercialUse: z.boolean() }),
  state: z.enum(['installed', 'missing', 'incomplete']),
  /** The folder the model's files live in (or would). */
  folder: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number().nullable(), url: z.string().nullable() })),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const modelsApi = {
  list: method(Empty, z.array(ModelInfo)),
  /** Installs a known model from a file on the studio's machine (checked against the registry's size and sha256). */
  installFile: method(z.object({ id: z.string(), path: z.string().min(1), file: z.string().optional() }), ModelInfo),
};
