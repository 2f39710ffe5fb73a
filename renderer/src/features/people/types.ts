// The people contract types this feature uses (the renderer may import native/api only).
export type {
  CropInfo,
  CropNudge,
  DatasetExportResult,
  PeopleImportResult,
  Photo,
  PhotoMeasures,
  Reason,
  RejectedFile,
  SampleSet,
  SampleSetDetail,
  TrainedLora,
  TrainerSettings,
  Verdict,
} from '../../../../native/api';
export { cropSizes, planRepeats, MAX_UPLOAD_BYTES, MAX_UPLOAD_CHUNK, reasonCodes } from '../../../../native/api';
