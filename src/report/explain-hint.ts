import type { Paint } from './style.js';
import { wrapLine } from './wrap.js';

/**
 * How every output that names anomalies points at their teaching text: the anomaly id is the name
 * `synack explain` takes. People's outputs say it once, under their anomalies (one line, under 80
 * columns); CI outputs, read one annotation or test case at a time, name `synack explain <id>` beside
 * each anomaly.
 */
export const EXPLAIN_HINT = 'synack explain <id>: what an anomaly means, how it is found, what to check';

export function explainCommandOf(id: string): string {
  return `synack explain ${id}`;
}

/** EXPLAIN_HINT as a people's output prints it: indented two, dimmed, wrapped to `width`. */
export function explainHint(p: Paint, width: number): string {
  return wrapLine(`  ${EXPLAIN_HINT}`, width, 4).map((l) => p.dim(l)).join('\n');
}
