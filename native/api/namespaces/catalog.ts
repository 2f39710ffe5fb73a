import { z } from 'zod';
import { method } from '../method';
import {
  Empty,
  Id,
  ImportRequest,
  Job,
  OutputDetail,
  OutputFacets,
  OutputIds,
  OutputIdsQuery,
  OutputPage,
  OutputQuery,
  OutputSummary,
  Timestamp,
} from '../schemas';

export const Collection = z.object({ id: Id, name: z.string(), count: z.number().int(), createdAt: Timestamp });
export type Collection = z.infer<typeof Collection>;
const CollectionName = z.string().trim().min(1, 'a collection needs a name').max(120);
const Ids = z.array(Id).min(1).max(100_000);

/** A face found in an output, in fractions of the image's width and height (0..1, top-left origin). */
export const FaceBox = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number(), score: z.number() });
export const OutputFaces = z.object({
  /** False where no face detector is installed; `reason` then says what to do. */
  available: z.boolean(),
  reason: z.string().nullable(),
  faces: z.array(FaceBox),
});
export type OutputFaces = z.infer<typeof OutputFaces>;

export const EmptyTrashRequest = z.object({
  /** Outputs moved to the trash up to this moment (what is trashed while the job runs stays); now by default. */
  before: Timestamp.optional(),
  /** Only these (of those in the trash); all of the trash otherwise. */
  ids: Ids.optional(),
});

export const PurgeResult = z.object({
  outputs: z.number().int(),
  objects: z.number().int(),
  bytes: z.number().int(),
  kept: z.number().int(),
});

export const catalogApi = {
  /** Starts a `catalog.import` job; progress arrives as job events. */
  import: method(ImportRequest, Job),
  /** One page by offset with the total (CLI, simple lists). */
  listOutputs: method(OutputQuery, OutputPage),
  /** Every matching id in display order, with group boundaries (the review grid). */
  outputIds: method(OutputIdsQuery, OutputIds),
  /** Summaries of the given outputs, in that order (missing ids are left out). */
  getOutputs: method(z.object({ ids: z.array(Id).max(1000) }), z.array(OutputSummary)),
  getOutput: method(z.object({ id: Id }), OutputDetail),
  /** The values each filter can take, with counts. */
  facets: method(Empty, OutputFacets),
  faces: method(z.object({ id: Id }), OutputFaces),

  /** Soft delete: outputs go to the trash (restorable) and leave every other view. */
  trash: method(z.object({ ids: Ids }), z.object({ ids: z.array(Id) })),
  restore: method(z.object({ ids: Ids }), z.object({ ids: z.array(Id) })),
  /** Starts a `catalog.emptyTrash` job: deletes the rows, then every file nothing references any more. */
  emptyTrash: method(EmptyTrashRequest, Job),

  listCollections: method(Empty, z.array(Collection)),
  createCollection: method(z.object({ name: CollectionName }), Collection),
  renameCollection: method(z.object({ id: Id, name: CollectionName }), Collection),
  removeCollection: method(z.object({ id: Id }), z.object({ removed: z.boolean() })),
  addToCollection: method(z.object({ id: Id, ids: Ids }), z.object({ added: z.number().int() })),
  removeFromCollection: method(z.object({ id: Id, ids: Ids }), z.object({ removed: z.number().int() })),
};
