import { z } from 'zod';
import { method } from '../method';
import { DirectoryListing, DoctorReport, Empty, SystemInfo } from '../schemas';

export const systemApi = {
  info: method(Empty, SystemInfo),
  doctor: method(Empty, DoctorReport),
  /** Lists a folder on the machine running the studio (folder picking in the browser). */
  browse: method(z.object({ path: z.string().optional() }), DirectoryListing),
};
