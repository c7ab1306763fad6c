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
import type { Selection } from '../../pipeline/sink.js';
import { renderExplanation } from '../../report/explain.js';
import { UsageError } from '../../util/errors.js';
import { outputWidth, type Ctx } from '../context.js';
import { addInputOptions, resolveInputs, type InputFlags } from '../inputs.js';
import { spoolStdin } from '../spool.js';
import { addTrackerOptions, trackerOptions, type TrackerFlags } from '../parse.js';
import { analyzeCommand } from './analyze.js';

/** The most segments the second pass reads of a connection (pipeline/ladder.ts collectLadders' default). */
const LADDER_SEGMENTS = 2000;

export interface ExplainCommandOptions {
  /** What to explain; undefined for the list. */
  name?: string;
  /** Captures, for a connection id (standard input already spooled: the captures are read twice). */
  files: string[];
  /** What each file is called ('-' for spooled standard input), when some stand in for others. */
  names?: readonly string[];
  /** The capture filter and -c, as analyze takes them: connection ids are those analyze gives with them. */
  selection?: Selection | null;
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
  const names = o.names ?? o.files;
  const r = await analyzeCommand({
    paths: o.files, ...(o.names ? { names: o.names } : {}), selection: o.selection ?? null,
    tracker: o.tracker, verifyChecksums: o.verifyChecksums, filter: { ids: [id] }, detail: true, ladder: true, limit: 1,
  });
  const connection = r.rows.shown.find((x) => x.id === id);
  if (connection === undefined) throw new UsageError(`no connection #${id} in ${names.join(', ')}`);
  const listener = r.result.listeners.find((l) => l.ip === connection.server.ip && l.port === connection.server.port) ?? null;
  return narrateConnection({
    connection,
    segments: r.ladders.get(id) ?? [],
    segmentLimit: LADDER_SEGMENTS,
    listener,
    inputs: [...names],
    mslSeconds: o.tracker.mslSeconds,
  });
}

interface ExplainFlags extends TrackerFlags, InputFlags {
  json?: boolean;
  list?: boolean;
  verifyChecksums?: boolean;
  wide?: boolean;
}

export function defineExplain(program: Command, ctx: () => Ctx): void {
  const cmd = program.command('explain')
    .description('teach what synack knows: an anomaly id, a TCP state or a topic; or tell one connection of a capture in plain sentences')
    .argument('[name]', 'an anomaly id (lost-final-ack), a state (TIME_WAIT, time-wait), a topic (handshake, syn-queue), or a connection id')
    .argument('[capture...]', 'for a connection id: the captures it is in, then an optional capture filter (as given to analyze)')
    .option('--list', 'list every anomaly id, state and topic explain knows (also: no name)')
    .option('--json', 'the explanation as one JSON document (schema/explain.schema.json, schemaVersion 1)')
    .option('--verify-checksums', 'for a connection: verify TCP checksums, as analyze does')
    .option('--wide', 'never wrap: one line per paragraph (text fits the terminal, or COLUMNS, at most 100 columns; 100 when piped)');
  addInputOptions(cmd, 'for a connection: stop after n TCP segments (that passed the filter), as analyze -c');
  addTrackerOptions(cmd);
  cmd.addHelpText('after', `
For a connection, the analysis is the one \`synack analyze\` runs: give it the same captures, filter
and flags, and connection N is analyze's N. The capture is read a second time for each segment's
numbers (standard input is kept in a temporary file for that).

Examples:
  $ synack explain lost-final-ack            # meaning, detection rule, RFCs, causes, what to check
  $ synack explain TIME_WAIT                 # why it exists, its arcs in and out (from the state table)
  $ synack explain handshake                 # why three segments and not two
  $ synack explain syn-queue                 # the SYN queue, the accept queue and the backlog
  $ synack explain 12 capture.pcap           # connection 12, step by step
  $ synack explain --list
`);
  cmd.action(async (name: string | undefined, args: string[], f: ExplainFlags) => {
    const c = ctx();
    if (f.list && name !== undefined) throw new UsageError('explain --list takes no name');
    const tracker = trackerOptions(f);
    const verifyChecksums = f.verifyChecksums ?? false;
    const connection = !f.list && name !== undefined && /^\d+$/.test(name.trim());
    if (!connection && (f.read?.length || f.filter !== undefined || f.count !== undefined)) {
      throw new UsageError('explain: -r, -f and -c go with a connection id (synack explain 12 -r CAPTURE)');
    }
    let e: Explanation;
    if (connection && (args.length || f.read?.length)) {
      const input = resolveInputs(args, f, 'explain N');
      const spooled = await spoolStdin(input.paths);
      try {
        e = await explainCommand({
          name: name!, files: spooled.paths, ...(spooled.names ? { names: spooled.names } : {}), selection: input.selection, tracker, verifyChecksums,
        });
      } finally {
        spooled.cleanup();
      }
    } else {
      e = await explainCommand({ ...(f.list ? {} : name !== undefined ? { name } : {}), files: f.list ? [] : args, tracker, verifyChecksums });
    }
    c.out(f.json ? JSON.stringify(e, null, 2) + '\n' : renderExplanation(c.paint, e, outputWidth(c, f.wide)));
  });
}
