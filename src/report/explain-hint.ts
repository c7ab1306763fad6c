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
