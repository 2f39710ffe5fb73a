export * from './errors';
export * from './schemas';
export * from './contract';
export * from './events';
export * from './client';
export * from './bridge';
export { ModelInfo } from './namespaces/models';
export * from './namespaces/people';
