/** synack's JSON schemas (schema/*.schema.json, draft 2020-12), compiled once with ajv. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { ROOT } from './cli.js';

function load(name: string): { $id: string } {
  return JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8')) as { $id: string };
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const analyze = load('analyze.schema.json');
const check = load('check.schema.json');
const packets = load('packets.schema.json');
const events = load('sniff-events.schema.json');
const explain = load('explain.schema.json');
const anomalies = load('anomalies.schema.json');
const reportData = load('report-data.schema.json');
ajv.addSchema(analyze);
ajv.addSchema(explain);
ajv.addSchema(anomalies);
ajv.addSchema(events);
ajv.addSchema(check);
ajv.addSchema(packets);
ajv.addSchema(reportData);

export const validateAnalyze: ValidateFunction = ajv.getSchema(analyze.$id)!;
export const validateCheck: ValidateFunction = ajv.getSchema(check.$id)!;
export const validatePacket: ValidateFunction = ajv.getSchema(packets.$id)!;
export const validateSniffEvent: ValidateFunction = ajv.getSchema(events.$id)!;
export const validateExplain: ValidateFunction = ajv.getSchema(explain.$id)!;
export const validateAnomalies: ValidateFunction = ajv.getSchema(anomalies.$id)!;
export const validateReportData: ValidateFunction = ajv.getSchema(reportData.$id)!;
export const validateConnection: ValidateFunction = ajv.compile({ $ref: `${analyze.$id}#/$defs/connection` });

export function schemaErrors(v: ValidateFunction): string {
  return ajv.errorsText(v.errors, { separator: '\n' });
}

/** Throws with ajv's words when `doc` does not match. */
export function assertValid(v: ValidateFunction, doc: unknown): void {
  if (!v(doc)) throw new Error(schemaErrors(v));
}
