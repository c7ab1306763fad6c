/**
 * Wireshark oracle for the data phase (npm run test:corpus): every frame of every well-formed corpus
 * capture and of every kernel fixture, tshark's TCP expert flags (tshark run now on the file) against
 * synack's anomalies, flag by flag. Precision and recall are scored per family and must meet GOALS;
 * every frame where the two differ must be covered by an entry of EXPLAINED, whose `applies` checks the
 * reason on tshark's own fields (wireshark-compare.ts frameFacts). Wireshark is not always right; where
 * synack follows the RFC instead, the entry says which RFC.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/flow/model.js';
import {
  FAMILIES, frameFacts, ONE_LABEL_FAMILIES, synackLabels, tsharkExpert, type ExpertRow, type Family, type FrameFacts,
} from './wireshark-compare.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');

/** A frame where tshark has a flag synack lacks ('missed') or the other way round ('extra'). */
interface Difference {
  file: string;
  packet: number;
  family: Family;
  side: 'missed' | 'extra';
  ours: Family[];
  theirs: Family[];
  row: ExpertRow;
  facts: FrameFacts;
  /** synack decoded the frame as a TCP segment. */
  decoded: boolean;
  /**
   * synack began a new connection inside a tshark stream that had frames before it, and this frame is
   * that connection's first from its sender: nothing before it in the connection to compare with.
   */
  split: boolean;
}

interface Explanation {
  id: string;
  side: Difference['side'];
  families: readonly Family[];
  reason: string;
  applies(d: Difference): boolean;
}

const RST = 0x04;

/**
 * Why synack and Wireshark differ, each checked on the frame. Checked in order; the first that covers
 * a difference explains it. Keep it short: a difference no entry covers fails the test.
 */
const EXPLAINED: readonly Explanation[] = [
  {
    id: 'not-decoded',
    side: 'missed', families: FAMILIES,
    reason: 'synack did not decode the frame as a TCP segment (a link type it counts as unsupported-link, NFLOG '
      + 'here), so it has nothing to label; tshark decodes it',
    applies: (d) => !d.decoded,
  },
  {
    id: 'idle-split',
    side: 'missed', families: FAMILIES,
    reason: 'the frame comes more than --idle-timeout (300 s of capture time) after the previous one of its stream, '
      + 'so synack had ended that connection and starts a new one (an out-of-time-order file: here frame 1 is '
      + 'stamped 1970); tshark keeps one stream whatever the gap',
    applies: (d) => d.facts.sinceStreamFrame > DEFAULT_TRACKER_OPTIONS.idleTimeoutSeconds,
  },
  {
    id: 'synack-split-stream',
    side: 'missed', families: FAMILIES,
    reason: 'synack began a new connection inside the tshark stream and this frame is that connection\'s first from '
      + 'its sender: the flow model had ended the previous one, so nothing before it in its connection says it is a '
      + 'copy or follows a gap. A RST closed it (RFC 9293 §3.10.7.3: the retry, the same SYN that Windows sends '
      + 'again after a RST, is a new attempt from CLOSED); or a SYN-ACK not re-sent by its first re-send time was '
      + 'taken for a SYN cookie and the server\'s copy came later; or a SYN copy came more than any first wait (3 s '
      + '+ 25 %) after the copy before it (the capture missed the ones between); or a new ISN reused the ports. '
      + 'Such frames are not scored (counted and printed apart)',
    applies: (d) => d.split,
  },
  {
    id: 'rst-answers-each-segment',
    side: 'missed', families: ['retransmission'],
    reason: 'a RST is not re-sent: each answers one segment (RFC 9293 §3.10.7.1, §3.5.2). Here the server answers '
      + 'every SYN retry with its own RST carrying the same 11 bytes; Wireshark calls the second and later ones '
      + 'retransmissions of the first, synack does not label RSTs as retransmissions',
    applies: (d) => (d.row.flags & RST) !== 0,
  },
  {
    id: 'simultaneous-open-synack',
    side: 'missed', families: ['retransmission'],
    reason: 'in a simultaneous open each side answers the other\'s SYN with a SYN-ACK that repeats its own SYN '
      + '(same ISN, RFC 9293 §3.5 Figure 8): a new segment (it acknowledges the peer\'s SYN), not a copy; synack '
      + 'reports simultaneous-open, Wireshark a retransmission',
    applies: (d) => d.facts.simultaneousOpenSynAck,
  },
  {
    id: 'unset-state-sentinel',
    side: 'missed', families: ['window_update'],
    reason: 'the first segment of its direction, with raw seq 0 and raw ack 0: Wireshark\'s "nothing seen yet" '
      + 'state (next seq 0, last ack 0, window 0) matches it and it calls it a window update; there was no '
      + 'earlier window to update',
    applies: (d) => d.facts.firstOfDirection && d.row.seqRaw === 0 && d.row.ackRaw === 0,
  },
  {
    id: 'dup-ack-nothing-outstanding',
    side: 'missed', families: ['duplicate_ack'],
    reason: 'the ACK covers everything the other side had sent, or the capture holds nothing of the other side '
      + '(a one-sided capture): no data is known to be outstanding, and RFC 5681 §2 condition (a) says it is not '
      + 'a duplicate ACK then; Wireshark does not check it (answers to retransmitted FINs or SYN-ACKs, and copies '
      + 'of frames the capture holds twice)',
    applies: (d) => !(d.row.ack < d.facts.peerMaxNext),
  },
  {
    id: 'fast-without-duplicate-acks',
    side: 'missed', families: ['fast_retransmission'],
    reason: 'fewer than two duplicate ACKs with data outstanding preceded it (RFC 5681 §2, §3.2), so synack calls '
      + 'it a plain retransmission: Wireshark counted ACKs with nothing outstanding as duplicates, or (a FIN sent '
      + 'again with a new ACK) none at all',
    applies: (d) => d.facts.peerRfcDupAcks < 2 && d.ours.includes('retransmission'),
  },
  {
    id: 'linux-zero-window-probe',
    side: 'missed', families: ['keep_alive'],
    reason: 'a probe in keep-alive form (seq one below the next, no data) sent while the peer\'s window is zero is '
      + 'Linux\'s zero-window probe (persist timer, tcp_write_wakeup; RFC 9293 §3.8.6.1): synack calls it '
      + 'zero-window-probe, Wireshark keep-alive (its probe rule knows only one byte of new data)',
    applies: (d) => d.facts.peerLastWin === 0 && d.ours.includes('zero_window_probe'),
  },
  {
    id: 'linux-zero-window-probe',
    side: 'extra', families: ['zero_window_probe'],
    reason: 'the same probe seen from the other flag: Wireshark says keep_alive',
    applies: (d) => d.facts.peerLastWin === 0 && d.theirs.includes('keep_alive'),
  },
  {
    id: 'linux-zero-window-probe-answer',
    side: 'extra', families: ['zero_window_probe_ack'],
    reason: 'the answer to such a probe, the window still zero: Wireshark, having seen a keep-alive, flags only '
      + 'the zero window',
    applies: (d) => d.facts.peerLastKeepAlive && d.facts.ownLastWin === 0 && d.row.win === 0,
  },
];

/** What synack must reach, per family (or the union of the probe families), and why that number. */
const GOALS: ReadonlyArray<{ family: Family | 'probe'; precision: number; recall: number | null; why: string }> = [
  { family: 'retransmission', precision: 0.98, recall: 0.95, why: 'issue 11' },
  { family: 'out_of_order', precision: 0.9, recall: 0.9, why: 'issue 11 (precision); the same rule finds reordering (recall)' },
  { family: 'duplicate_ack', precision: 0.98, recall: null, why: 'every duplicate ACK synack reports is one for Wireshark; recall is lower by design (RFC 5681 §2 (a), explained)' },
  { family: 'lost_segment', precision: 0.98, recall: 0.98, why: 'the same rule as Wireshark: a sequence jump past the next expected byte' },
  { family: 'ack_lost_segment', precision: 0.95, recall: 0.95, why: 'the same rule; repeats are quieted per stall as Wireshark does, through other bookkeeping' },
  { family: 'window_update', precision: 0.95, recall: 0.95, why: 'the same rule' },
  { family: 'window_full', precision: 0.95, recall: 0.95, why: 'the same rule, with the window scale known' },
  { family: 'zero_window', precision: 0.95, recall: 0.95, why: 'scored per episode: synack reports a zero window once until it opens' },
  { family: 'keep_alive_ack', precision: 0.95, recall: 0.95, why: 'the same rule' },
  { family: 'probe', precision: 0.99, recall: 0.99, why: 'every keep-alive or zero-window probe is a probe for both (which kind: explained)' },
];

interface Score { tp: number; fp: number; fn: number }

interface FileOutcome {
  file: string; status: number | null; stderr: string; frames: number; differences: Difference[]; scores: Map<string, Score>;
  /** Frames synack gave two labels of one family ("#packet: id, id"). */
  doubleLabels: string[];
  /** Frames at which synack began a new connection inside a tshark stream (not scored). */
  splitFrames: number;
}

function wellFormedCorpusFiles(): string[] {
  const lines = readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.length > 0);
  const head = lines[0]!.split('\t');
  return lines.slice(1).map((l) => l.split('\t'))
    .filter((c) => c[head.indexOf('malformed')] === '-')
    .map((c) => path.join(corpus, c[head.indexOf('file')]!));
}

function fixtureFiles(): string[] {
  return readdirSync(path.join(repoRoot, 'fixtures')).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => path.join(repoRoot, 'fixtures', f));
}

function bump(scores: Map<string, Score>, family: string, ours: boolean, theirs: boolean): void {
  if (!ours && !theirs) return;
  let s = scores.get(family);
  if (s === undefined) scores.set(family, s = { tp: 0, fp: 0, fn: 0 });
  if (ours && theirs) s.tp++; else if (ours) s.fp++; else s.fn++;
}

async function compare(file: string): Promise<FileOutcome> {
  const [t, ours] = await Promise.all([tsharkExpert(file), synackLabels(file)]);
  const facts = frameFacts(t.rows);
  const differences: Difference[] = [];
  const scores = new Map<string, Score>();
  let splitFrames = 0;
  /** tshark stream → the senders seen since synack began a new connection inside it. */
  const restarted = new Map<number, Set<string>>();
  const name = path.relative(repoRoot, file).replace(/^\.\.\/shared\/corpus\//, '');
  for (const row of t.rows) {
    if (!row.tcp) continue;
    const f = facts.get(row.packet)!;
    const theirs = new Set(row.flagged);
    // synack reports a zero window once per episode, Wireshark on every segment of it: count Wireshark's
    // first of each (the direction's previous segment had a window other than zero, or there was none).
    if (theirs.has('zero_window') && f.ownLastWin === 0) theirs.delete('zero_window');
    const mine = ours.byPacket.get(row.packet) ?? new Set<Family>();
    // A frame synack placed in a new connection while tshark's stream goes on, the first of its sender
    // there, is not comparable flag by flag: it is counted apart (explained: synack-split-stream).
    if (ours.starts.has(row.packet) && !f.firstOfStream) restarted.set(row.stream, new Set());
    const since = restarted.get(row.stream);
    const split = since !== undefined && !since.has(row.dir);
    if (split) { since.add(row.dir); splitFrames++; }
    for (const family of FAMILIES) {
      const a = mine.has(family), b = theirs.has(family);
      if (!split) bump(scores, family, a, b);
      if (a === b) continue;
      differences.push({ file: name, packet: row.packet, family, side: b ? 'missed' : 'extra', ours: [...mine], theirs: [...theirs], row, facts: f, decoded: ours.tcp.has(row.packet), split });
    }
    if (!split) bump(scores, 'probe', mine.has('keep_alive') || mine.has('zero_window_probe'), theirs.has('keep_alive') || theirs.has('zero_window_probe'));
  }
  const doubleLabels: string[] = [];
  for (const [packet, list] of ours.ids) {
    for (const family of ONE_LABEL_FAMILIES) {
      const inFamily = list.filter((id) => family.has(id));
      if (inFamily.length > 1) doubleLabels.push(`#${packet}: ${inFamily.join(', ')}`);
    }
  }
  return { file: name, status: t.status, stderr: t.stderr, frames: t.rows.length, differences, scores, doubleLabels, splitFrames };
}

async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

function explain(d: Difference): Explanation | undefined {
  return EXPLAINED.find((e) => e.side === d.side && e.families.includes(d.family) && e.applies(d));
}

const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

let outcomes: FileOutcome[] = [];
const totals = new Map<string, Score>();

beforeAll(async () => {
  const files = [...wellFormedCorpusFiles(), ...fixtureFiles()];
  outcomes = await pool(files, availableParallelism() + 1, compare);
  for (const o of outcomes) {
    for (const [k, s] of o.scores) {
      const t = totals.get(k) ?? { tp: 0, fp: 0, fn: 0 };
      t.tp += s.tp; t.fp += s.fp; t.fn += s.fn;
      totals.set(k, t);
    }
  }
  const byExplanation = new Map<string, number>();
  for (const o of outcomes) for (const d of o.differences) {
    const e = explain(d);
    const key = e ? `${e.id} (${d.side} ${d.family})` : `UNEXPLAINED (${d.side} ${d.family})`;
    byExplanation.set(key, (byExplanation.get(key) ?? 0) + 1);
  }
  const lines = [
    `Wireshark expert flags vs synack: ${outcomes.length} files, ${outcomes.reduce((s, o) => s + o.frames, 0)} frames, `
      + `${outcomes.reduce((s, o) => s + o.splitFrames, 0)} of them not scored (the first of their sender in a connection synack began inside a tshark stream)`,
    'family                   tshark  synack  both  precision  recall',
    ...[...FAMILIES, 'probe'].map((f) => {
      const s = totals.get(f) ?? { tp: 0, fp: 0, fn: 0 };
      return `${f.padEnd(24)} ${String(s.tp + s.fn).padStart(6)}  ${String(s.tp + s.fp).padStart(6)}  ${String(s.tp).padStart(4)}  `
        + `${ratio(s.tp, s.tp + s.fp).toFixed(3).padStart(9)}  ${ratio(s.tp, s.tp + s.fn).toFixed(3).padStart(6)}`;
    }),
    'differences by explanation:',
    ...[...byExplanation].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    `explanations never used here: ${EXPLAINED.filter((e) => !outcomes.some((o) => o.differences.some((d) => explain(d) === e))).map((e) => `${e.id} (${e.side})`).join(', ') || 'none'}`,
  ];
  console.log(lines.join('\n'));
}, 900_000);

describe('data-phase flags agree with Wireshark\'s TCP expert analysis', () => {
  test('tshark read every file', () => {
    expect(outcomes.length).toBeGreaterThan(200);
    expect(outcomes.filter((o) => o.status !== 0).map((o) => `${o.file}: tshark exit ${o.status} ${o.stderr.trim()}`)).toEqual([]);
  });

  test.each(GOALS.map((g) => [g.family, g] as const))('%s meets its goal', (_f, g) => {
    const s = totals.get(g.family) ?? { tp: 0, fp: 0, fn: 0 };
    // Every goal is about flags the comparison actually saw.
    expect(s.tp).toBeGreaterThan(0);
    expect(ratio(s.tp, s.tp + s.fp)).toBeGreaterThanOrEqual(g.precision);
    if (g.recall !== null) expect(ratio(s.tp, s.tp + s.fn)).toBeGreaterThanOrEqual(g.recall);
  });

  test('one label per frame in each family (never fin-retransmission and out-of-order, never syn- and fin-retransmission)', () => {
    expect(outcomes.flatMap((o) => o.doubleLabels.map((x) => `${o.file} ${x}`))).toEqual([]);
    // The check sees labels: some frames carry one of each family.
    expect(outcomes.some((o) => o.scores.has('retransmission') && o.scores.has('duplicate_ack'))).toBe(true);
  });

  test('synack splits fewer tshark streams than before give-ups waited for a slower sender\'s copy', () => {
    // 1,134 frames before (a Windows SYN re-sent at +3 s began a connection of its own); a ceiling, so a
    // change that splits more streams again is seen.
    expect(outcomes.reduce((n, o) => n + o.splitFrames, 0)).toBeLessThanOrEqual(745);
  });

  test('every difference is explained', () => {
    const unexplained = outcomes.flatMap((o) => o.differences.filter((d) => explain(d) === undefined)
      .map((d) => `${d.file} #${d.packet} ${d.side} ${d.family}: synack [${d.ours.join(',')}] tshark [${d.theirs.join(',')}]`));
    expect(unexplained).toEqual([]);
  });
});
