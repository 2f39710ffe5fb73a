import type { Rule } from 'eslint';

/** Returns the reason an import breaks the layering, or undefined (paths are project-relative, POSIX). */
export function checkImport(file: string, source: string): string | undefined;

declare const plugin: { rules: { layering: Rule.RuleModule } };
export default plugin;
