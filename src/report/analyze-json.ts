/**
 * `synack analyze --json`: one versioned document (schema/analyze.schema.json). Bump SCHEMA_VERSION on
 * any change that can break a reader (renamed or removed field, changed meaning); adding a field is not one.
 */
import type { Connection } from '../flow/model.js';
import type { Summary } from '../pipeline/summary.js';
import type { AnalysisResult } from '../pipeline/types.js';

export const SCHEMA_VERSION = 1;

export interface AnalyzeDocument {
  schemaVersion: 1;
  tool: { name: 'synack'; version: string };
  /** Tracker options the analysis ran with. */
  options: { mslSeconds: number; idleTimeoutSeconds: number; synFloodThreshold: number; verifyChecksums: boolean };
  inputs: AnalysisResult['inputs'];
  summary: Summary;
  listeners: AnalysisResult['listeners'];
  connections: Connection[];
}

export function analyzeDocument(
  r: AnalysisResult, s: Summary, connections: Connection[], version: string, verifyChecksums: boolean,
): AnalyzeDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'synack', version },
    options: {
      mslSeconds: r.tracker.mslSeconds, idleTimeoutSeconds: r.tracker.idleTimeoutSeconds,
      synFloodThreshold: r.tracker.synFloodThreshold, verifyChecksums,
    },
    inputs: r.inputs,
    summary: s,
    listeners: r.listeners,
    connections,
  };
}
