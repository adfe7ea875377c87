export { renderGithub } from './github.ts';
export { renderJson } from './json.ts';
export { prettySummary, renderPretty, useColor } from './pretty.ts';
export { renderSarif } from './sarif.ts';

export const FORMATS = ['pretty', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];
