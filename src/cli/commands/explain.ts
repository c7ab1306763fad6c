/**
 * `synack explain [name | id CAPTURE...]`: the teaching text of an anomaly id, a state or a topic, the
 * list of all of them, or one connection of a capture told in plain sentences from its analysis.
 */
import { Command } from 'commander';
import { explainList, explainSubject } from '../../explain/explain.js';
import type { Explanation } from '../../explain/explanation.js';
import { resolveSubject, suggest } from '../../explain/lookup.js';
import { narrateConnection } from '../../explain/narrate.js';
import type { TrackerOptions } from '../../flow/model.js';
import { renderExplanation } from '../../report/explain.js';
import { UsageError } from '../../util/errors.js';
import type { Ctx } from '../context.js';
import { addTrackerOptions, trackerOptions, type TrackerFlags } from '../parse.js';
import { analyzeCommand } from './analyze.js';

/** The most segments the second pass reads of a connection (pipeline/ladder.ts collectLadders' default). */
const LADDER_SEGMENTS = 2000;

export interface ExplainCommandOptions {
  /** What to explain; undefined for the list. */
  name?: string;
  /** Captures, for a connection id. */
  files: string[];
  tracker: TrackerOptions;
  verifyChecksums: boolean;
}

/** What `name` (and `files`) ask for, as data; a UsageError naming the closest names when it is nothing known. */
export async function explainCommand(o: ExplainCommandOptions): Promise<Explanation> {
  const name = o.name?.trim();
  if (name === undefined || name === '') {
    if (o.files.length) throw new UsageError('explain: give a connection id before the capture (synack explain 12 CAPTURE)');
    return explainList();
  }
  if (/^\d+$/.test(name)) {
    const id = Number(name);
    if (o.files.length === 0) throw new UsageError(`explain ${name}: a connection id needs the capture it is in (synack explain ${name} CAPTURE)`);
    if (id < 1) throw new UsageError('explain 0: connection ids start at 1');
    return explainConnection(id, o);
  }
  const subject = resolveSubject(name);
  if (subject === null) {
    if (o.files.length && /^\d+$/.test(o.files[0]!)) {
      throw new UsageError(`explain ${name} ${o.files[0]}: the connection id comes first (synack explain ${o.files[0]} ${name})`);
    }
    const close = suggest(name);
    throw new UsageError(`explain ${name}: no anomaly id, state or topic of that name` +
      (close.length ? `; did you mean ${close.join(', ')}?` : '') + ' (synack explain --list)');
  }
  if (o.files.length) throw new UsageError(`explain ${name} takes no capture: only a connection id does (synack explain 12 CAPTURE)`);
  return explainSubject(subject);
}

async function explainConnection(id: number, o: ExplainCommandOptions): Promise<Explanation> {
  // The analysis `analyze --conn` runs: it names the range of ids when this one is not there.
  const r = await analyzeCommand({
    paths: o.files, tracker: o.tracker, verifyChecksums: o.verifyChecksums, filter: { ids: [id] }, detail: true, ladder: true, limit: 1,
  });
  const connection = r.rows.shown.find((x) => x.id === id);
  if (connection === undefined) throw new UsageError(`no connection #${id} in ${o.files.join(', ')}`);
  const listener = r.result.listeners.find((l) => l.ip === connection.server.ip && l.port === connection.server.port) ?? null;
  return narrateConnection({
    connection,
    segments: o.files.includes('-') ? null : r.ladders.get(id) ?? [],
    segmentLimit: LADDER_SEGMENTS,
    listener,
    inputs: o.files,
    mslSeconds: o.tracker.mslSeconds,
  });
}

interface ExplainFlags extends TrackerFlags {
  json?: boolean;
  list?: boolean;
  verifyChecksums?: boolean;
}

export function defineExplain(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('explain')
    .description('teach what synack knows: an anomaly id, a TCP state or a topic; or tell one connection of a capture in plain sentences')
    .argument('[name]', 'an anomaly id (lost-final-ack), a state (TIME_WAIT, time-wait), a topic (handshake, syn-queue), or a connection id')
    .argument('[capture...]', 'for a connection id: the captures it is in (as given to analyze)')
    .option('--list', 'list every anomaly id, state and topic explain knows (also: no name)')
    .option('--json', 'the explanation as one JSON document (schema/explain.schema.json, schemaVersion 1)')
    .option('--verify-checksums', 'for a connection: verify TCP checksums, as analyze does');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
For a connection, the analysis is the one \`synack analyze\` runs (give it the same flags), and the
capture is read a second time for each segment's numbers (not possible on standard input).

Examples:
  $ synack explain lost-final-ack            # meaning, detection rule, RFCs, causes, what to check
  $ synack explain TIME_WAIT                 # why it exists, its arcs in and out (from the state table)
  $ synack explain handshake                 # why three segments and not two
  $ synack explain syn-queue                 # the SYN queue, the accept queue and the backlog
  $ synack explain 12 capture.pcap           # connection 12, step by step
  $ synack explain --list
`);
  cmd.action(async (name: string | undefined, files: string[], f: ExplainFlags) => {
    const c = ctx();
    if (f.list && name !== undefined) throw new UsageError('explain --list takes no name');
    const e = await explainCommand({
      ...(f.list ? {} : name !== undefined ? { name } : {}),
      files: f.list ? [] : files,
      tracker: trackerOptions(f),
      verifyChecksums: f.verifyChecksums ?? false,
    });
    c.out(f.json ? JSON.stringify(e, null, 2) + '\n' : renderExplanation(c.paint, e, c.columns));
  });
}
