export * from './errors';
export * from './schemas';
export * from './contract';
export * from './events';
export * from './client';
export * from './bridge';
export { downloadProblems, ModelInfo, type DownloadProblem } from './namespaces/models';
export { Collection, EmptyTrashRequest, FaceBox, OutputFaces, PurgeResult } from './namespaces/catalog';
export { OutputExportFormat, OutputExportRequest, OutputExportResult, FEW_REVIEWED, KeepRateRow, StatsDimension } from './namespaces/review';
export * from './namespaces/people';
export { FarmStatus, FarmWorker } from './namespaces/farm';
export {
  LIKENESS_DIFFERENT,
  LIKENESS_SAME,
  LikenessModel,
  LikenessProfile,
  LikenessScore,
  LikenessVerdict,
  ScoreOutcome,
  ScoreRequest,
} from './namespaces/likeness';
