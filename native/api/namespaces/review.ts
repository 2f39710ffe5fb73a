import { z } from 'zod';
import { method } from '../method';
import { ReviewPatch } from '../schemas';

export const reviewApi = {
  set: method(ReviewPatch, z.object({ updated: z.number().int() })),
};
