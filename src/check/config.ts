/**
 * Building a Policy from `check` flags and an optional synack.config.json. Flags win over the file,
 * key by key (`--max` entries merge with the file's `max`, per id). Every mistake is a UsageError
 * naming the flag or the file and key.
 */
import { readFileSync } from 'node:fs';
import type { AnomalyId } from '../flow/model.js';
import { UsageError } from '../util/errors.js';
import { DAMAGED, DEFAULT_POLICY, SEVERITIES, type Policy } from './policy.js';

/** The shape of synack.config.json (documented in the README; every key optional). */
export interface PolicyFile {
  failOn?: string[];
  allow?: string[];
  max?: Record<string, number>;
  maxRttMs?: number;
  requireComplete?: boolean;
  /** Tracker options, as the flags --msl, --idle-timeout, --syn-flood-threshold. */
  msl?: number;
  idleTimeout?: number;
  synFloodThreshold?: number;
}

export interface PolicyFlags {
  failOn?: string[];
  allow?: string[];
  /** Raw "id=n" strings from repeated --max. */
  max?: string[];
  maxRttMs?: number;
  requireComplete?: boolean;
}

const FILE_KEYS = new Set(['failOn', 'allow', 'max', 'maxRttMs', 'requireComplete', 'msl', 'idleTimeout', 'synFloodThreshold', '$schema']);

export function loadPolicyFile(path: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read config (${code === 'ENOENT' ? 'no such file' : code ?? String(e)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`${path}: expected a JSON object`);
  const obj = data as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!FILE_KEYS.has(k)) throw new UsageError(`${path}: unknown key "${k}" (known: ${[...FILE_KEYS].filter((x) => x !== '$schema').join(', ')})`);
  }
  const strList = (k: string): string[] | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`${path}: "${k}" must be an array of strings`);
    return v as string[];
  };
  const num = (k: string): number | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UsageError(`${path}: "${k}" must be a non-negative number`);
    return v;
  };
  let max: Record<string, number> | undefined;
  if (obj['max'] !== undefined) {
    const m = obj['max'];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new UsageError(`${path}: "max" must be an object of id → count`);
    max = {};
    for (const [id, n] of Object.entries(m)) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new UsageError(`${path}: "max.${id}" must be a non-negative integer`);
      max[id] = n;
    }
  }
  const rc = obj['requireComplete'];
  if (rc !== undefined && typeof rc !== 'boolean') throw new UsageError(`${path}: "requireComplete" must be true or false`);
  return {
    failOn: strList('failOn'), allow: strList('allow'), max, maxRttMs: num('maxRttMs'),
    requireComplete: rc as boolean | undefined,
    msl: num('msl'), idleTimeout: num('idleTimeout'), synFloodThreshold: num('synFloodThreshold'),
  };
}

function checkIds(ids: string[], known: ReadonlySet<string>, where: string, severitiesToo: boolean): void {
  for (const id of ids) {
    if (known.has(id) || (severitiesToo && ((SEVERITIES as readonly string[]).includes(id) || id === DAMAGED))) continue;
    const hint = severitiesToo ? `a severity (${SEVERITIES.join(', ')}), ${DAMAGED} (capture problems) or an anomaly id` : 'an anomaly id';
    throw new UsageError(`${where}: unknown "${id}": expected ${hint}; run \`synack anomalies\` for the list`);
  }
}

/** "retransmission=10" → ['retransmission', 10]. */
export function parseMaxEntry(s: string): [string, number] {
  const m = /^([a-z0-9-]+)=(\d+)$/.exec(s.trim());
  if (!m) throw new UsageError(`--max ${s}: expected <anomaly-id>=<count>, e.g. --max retransmission=10`);
  return [m[1]!, Number(m[2])];
}

export function buildPolicy(flags: PolicyFlags, file: PolicyFile | null, known: ReadonlySet<string>, fileName = 'config'): Policy {
  const fromFile = file ?? {};
  if (fromFile.failOn) checkIds(fromFile.failOn, known, `${fileName}: failOn`, true);
  if (fromFile.allow) checkIds(fromFile.allow, known, `${fileName}: allow`, false);
  if (fromFile.max) checkIds(Object.keys(fromFile.max), known, `${fileName}: max`, false);
  if (flags.failOn) checkIds(flags.failOn, known, '--fail-on', true);
  if (flags.allow) checkIds(flags.allow, known, '--allow', false);

  const max: Record<string, number> = { ...(fromFile.max ?? {}) };
  for (const entry of flags.max ?? []) {
    const [id, n] = parseMaxEntry(entry);
    checkIds([id], known, '--max', false);
    max[id] = n;
  }
  const failOn = flags.failOn ?? fromFile.failOn ?? DEFAULT_POLICY.failOn;
  return {
    failOn: [...new Set(failOn)] as Policy['failOn'],
    allow: [...new Set(flags.allow ?? fromFile.allow ?? [])] as AnomalyId[],
    max: max as Policy['max'],
    maxRttMs: flags.maxRttMs ?? fromFile.maxRttMs ?? null,
    requireComplete: flags.requireComplete ?? fromFile.requireComplete ?? false,
  };
}
