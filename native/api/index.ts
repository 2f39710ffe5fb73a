export * from './errors';
export * from './schemas';
export * from './contract';
export * from './events';
export * from './client';
export * from './bridge';
export { ModelInfo } from './namespaces/models';
export { Collection, EmptyTrashRequest, FaceBox, OutputFaces, PurgeResult } from './namespaces/catalog';
export { ExportFormat, ExportRequest, ExportResult, KeepRateRow, StatsDimension } from './namespaces/review';
