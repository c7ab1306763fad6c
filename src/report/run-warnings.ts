/**
 * What a run had to give up to finish, said in words: connections evicted under the memory ceiling,
 * a --max-memory the heap cannot honour. The text report prints these in its overview; machine
 * formats (--json, --ndjson, every `check` format) carry the numbers and the CLI prints these lines
 * on stderr.
 */
import { mb } from '../pipeline/memory-guard.js';
import { memoryPressure } from '../pipeline/summary.js';
import type { AnalysisResult } from '../pipeline/types.js';
import { num, plural } from './text.js';

export function runWarnings(r: Pick<AnalysisResult, 'memory' | 'totals'>): string[] {
  const out: string[] = [];
  const m = r.memory;
  if (m && m.requested !== null && m.requested > m.heapLimit) {
    out.push(`--max-memory ${mb(m.requested)} is above node's heap limit (${mb(m.heapLimit)}), which is the ceiling; ` +
      'raise that with NODE_OPTIONS=--max-old-space-size=<MB>');
  }
  const p = memoryPressure(r);
  if (p) {
    out.push(`memory ceiling ${mb(p.ceiling)} reached ${plural(p.episodes, 'time')}: ${plural(p.evicted, 'connection')} ` +
      `(${num(p.evictedIncomplete)} before their handshake completed) finished early and reported as evicted, their ends not seen; ` +
      'raise --max-memory or node\'s --max-old-space-size to keep them');
  }
  return out;
}
