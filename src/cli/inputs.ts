/**
 * Where a command's packets come from, in tcpdump's and tshark's habits: capture files as arguments
 * or with `-r` (repeatable), then an optional capture filter in tcpdump's language, either as the
 * remaining words (`synack analyze f.pcap tcp port 443 and host 10.0.0.1`) or with `-f`; `-c N` stops
 * after N segments; `-n`/`-nn` are accepted and change nothing (synack never looks a name up).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { compileFilter } from '../filter/compile.js';
import { FilterError } from '../filter/errors.js';
import type { Segment } from '../decode/segment.js';
import type { Selection } from '../pipeline/sink.js';
import { UsageError } from '../util/errors.js';
import { collect, positiveInt } from './parse.js';

export interface InputFlags {
  read?: string[];
  filter?: string;
  count?: number;
}

export interface ResolvedInputs {
  paths: string[];
  /** The capture filter as given, or null. */
  filterText: string | null;
  /** What the sink lets through (null: every segment, to the end). */
  selection: Selection | null;
}

/** Adds -r, -f, -c and -n to a command that reads captures. */
export function addInputOptions(cmd: Command, countHelp = 'stop after n TCP segments (that passed the filter), as tcpdump -c'): Command {
  return cmd
    .option('-r, --read <file>', 'read this capture (tcpdump/tshark habit; repeatable); the arguments are then all filter', collect)
    .option('-f, --filter <expression>', "capture filter in tcpdump's syntax (pcap-filter(7)), instead of words after the files")
    .option('-c, --count <n>', countHelp, positiveInt)
    .option('-n', 'accepted and ignored, as -nn: synack never looks names up (tcpdump/tshark habit)');
}

/** A word that names a capture (or reads like one), not a filter word. */
function looksLikeInput(arg: string): boolean {
  if (arg === '-' || existsSync(arg)) return true;
  // A quoted filter ('net 10.0.0.0/8 and port 80') has spaces or parentheses; a path has neither here.
  if (/[\s()]/.test(arg)) return false;
  if (/\.(pcapng|pcap|cap|dmp|ntar|gz|pcap\d+)$/i.test(arg)) return true;
  // A path, but not a network in CIDR form (net 10.0.0.0/8, 2001:db8::/32).
  return arg.includes('/') && !/^[0-9a-f.:]+\/\d+$/i.test(arg);
}

/** `args` are the command's arguments: files first, then the filter's words. */
export function resolveInputs(args: readonly string[], f: InputFlags, command: string): ResolvedInputs {
  let paths: string[];
  let words: string[];
  if (f.read?.length) {
    paths = [...f.read];
    words = [...args];
  } else {
    if (args.length === 0) throw new UsageError(`no capture file given: synack ${command} FILE [filter], or -r FILE`);
    let n = 1;
    while (n < args.length && looksLikeInput(args[n]!)) n++;
    paths = args.slice(0, n);
    words = args.slice(n);
    const first = args[0]!;
    if (!looksLikeInput(first)) {
      // "synack analyze 'tcp port 80'": a filter and no file.
      let isFilter = false;
      try { compileFilter(args.join(' ')); isFilter = true; } catch { /* then it is a file name that does not exist */ }
      if (isFilter) throw new UsageError(`no capture file given: ${JSON.stringify(args.join(' '))} reads as a filter; write synack ${command} FILE '${args.join(' ')}'`);
    }
  }
  if (words.length && f.filter !== undefined) throw new UsageError(`two filters: ${JSON.stringify(words.join(' '))} after the files and -f ${JSON.stringify(f.filter)}; give one`);
  const filterText = words.length ? words.join(' ') : f.filter ?? null;
  let accept: Selection['accept'] = null;
  if (filterText !== null) {
    try {
      accept = compileFilter(filterText);
    } catch (e) {
      // A filter word that is really a missing file ("synack analyze a.pcap b.pcap" with no b.pcap).
      if (e instanceof FilterError && words.length && !f.read?.length && /[./]/.test(words[0]!) && !existsSync(words[0]!)) {
        throw new UsageError(`${words[0]}: no such file (or, as a filter: ${e.reason})`);
      }
      throw e;
    }
  }
  const selection = accept !== null || f.count !== undefined ? { accept, count: f.count ?? null } : null;
  return { paths, filterText, selection };
}

/** Both predicates (either may be null). */
export function both(a: ((s: Segment) => boolean) | null, b: ((s: Segment) => boolean) | null): ((s: Segment) => boolean) | null {
  if (a === null) return b;
  if (b === null) return a;
  return (s) => a(s) && b(s);
}
