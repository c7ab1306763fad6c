/**
 * `synack analyze --json`: one versioned document (schema/analyze.schema.json). Bump SCHEMA_VERSION on
 * any change that can break a reader (renamed or removed field, changed meaning); adding a field is not one.
 *
 * `analyze` streams it (AnalyzeJsonStream): the head, then each connection as the tracker finishes it
 * (one line each), then what is known only at the end (inputs, summary, listeners). So `connections`
 * comes in the order connections FINISHED; `id` gives first-packet order.
 */
import type { Connection } from '../flow/model.js';
import type { Summary } from '../pipeline/summary.js';
import type { AnalysisResult } from '../pipeline/types.js';
import { jsonSafe } from './safe-text.js';

export const SCHEMA_VERSION = 1;

export interface AnalyzeOptionsBlock {
  mslSeconds: number; idleTimeoutSeconds: number; synFloodThreshold: number; verifyChecksums: boolean;
  /** The capture filter the analysis ran with (tcpdump's syntax), when there was one. */
  captureFilter?: string;
}

export interface AnalyzeDocument {
  schemaVersion: 1;
  tool: { name: 'synack'; version: string };
  /** Tracker options the analysis ran with. */
  options: AnalyzeOptionsBlock;
  inputs: AnalysisResult['inputs'];
  summary: Summary;
  listeners: AnalysisResult['listeners'];
  connections: Connection[];
}

function optionsBlock(t: AnalysisResult['tracker'], verifyChecksums: boolean, captureFilter: string | null = null): AnalyzeOptionsBlock {
  const o: AnalyzeOptionsBlock = { mslSeconds: t.mslSeconds, idleTimeoutSeconds: t.idleTimeoutSeconds, synFloodThreshold: t.synFloodThreshold, verifyChecksums };
  if (captureFilter !== null) o.captureFilter = captureFilter;
  return o;
}

/** The whole document at once, for results that hold their connections (sniff's closing summary). */
export function analyzeDocument(
  r: AnalysisResult, s: Summary, connections: Connection[], version: string, verifyChecksums: boolean,
): AnalyzeDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'synack', version },
    options: optionsBlock(r.tracker, verifyChecksums),
    inputs: r.inputs,
    summary: s,
    listeners: r.listeners,
    connections,
  };
}

/**
 * `"key": value` at the document's top level, the value indented as JSON.stringify(doc, null, 2) would.
 * Input strings (file names, warnings) stay exact; DEL and C1 are \u escapes (safe-text.ts).
 */
function member(key: string, value: unknown): string {
  return `  ${JSON.stringify(key)}: ${jsonSafe(JSON.stringify(value, null, 2)).replace(/\n/g, '\n  ')}`;
}

/**
 * The document written piece by piece to `write` (a buffered writer): nothing but the current
 * connection is held. The head goes out with the first connection (or at the end), so an input that
 * cannot be opened leaves no half document behind.
 */
export class AnalyzeJsonStream {
  private started = false;
  private count = 0;

  constructor(
    private readonly write: (s: string) => void,
    private readonly head: { version: string; tracker: AnalysisResult['tracker']; verifyChecksums: boolean; captureFilter?: string | null },
  ) {}

  readonly connection = (c: Connection): void => {
    // One connection a line: one JSON.stringify each, and a reader can still see where each begins.
    if (!this.started) this.start();
    this.write((this.count++ === 0 ? '\n    ' : ',\n    ') + JSON.stringify(c));
  };

  end(r: Pick<AnalysisResult, 'inputs' | 'listeners'>, s: Summary): void {
    if (!this.started) this.start();
    this.write(`${this.count > 0 ? '\n  ' : ''}],\n${member('inputs', r.inputs)},\n${member('summary', s)},\n${member('listeners', r.listeners)}\n}\n`);
  }

  private start(): void {
    this.started = true;
    const h = this.head;
    this.write(`{\n${member('schemaVersion', SCHEMA_VERSION)},\n${member('tool', { name: 'synack', version: h.version })},\n` +
      `${member('options', optionsBlock(h.tracker, h.verifyChecksums, h.captureFilter ?? null))},\n  "connections": [`);
  }
}
