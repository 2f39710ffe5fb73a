// The contract types the UI uses, in one place (the renderer may import native/api only).
export type {
  DirectoryListing,
  Job,
  JobStatus,
  OutputDetail,
  OutputPage,
  OutputQuery,
  OutputSummary,
  Person,
  PersonDraft,
  StudioEvent,
  StudioEventPayload,
} from '../../../native/api';
export { finishedJobStatuses, isStudioError, StudioError } from '../../../native/api';
