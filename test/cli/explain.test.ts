/**
 * `synack explain`, spawned as a user runs it: ids, states, topics, the list, a connection of a
 * capture (the teaching text's handshake answers its two open questions), bad input, and the pointer
 * to it that every output naming anomalies carries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANOMALIES } from '../../src/flow/anomalies.js';
import type { AnomalyId } from '../../src/flow/model.js';
import { STATES } from '../../src/flow/state-table.js';
import { TOPICS } from '../../src/explain/topics.js';
import { EXPLAIN_HINT } from '../../src/report/explain-hint.js';
import { fixture, ROOT, STACK_LINE, synack, type CliResult } from '../helpers/cli.js';
import { schemaErrors, validateAnomalies, validateExplain } from '../helpers/schema.js';

const TEXTBOOK = join(ROOT, 'test', 'explain', 'data', 'textbook-handshake.pcap');

function json(r: CliResult): Record<string, unknown> {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  if (!validateExplain(doc)) throw new Error(schemaErrors(validateExplain));
  return doc;
}

function oneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(STACK_LINE);
}

describe('explain <anomaly-id | STATE | topic>', () => {
  test('an anomaly id: meaning, detection rule, RFC sections, causes, what to check, related ids', () => {
    const r = synack(['explain', 'lost-final-ack']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const h of ['How synack detects it', 'Reference', 'Common causes', 'What to check', 'Related']) expect(r.stdout).toContain(h);
    expect(r.stdout).toContain('synack analyze CAPTURE --anomaly lost-final-ack --detail');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(ANOMALIES['lost-final-ack'].reference);
    const doc = json(synack(['explain', 'lost-final-ack', '--json']));
    expect(doc).toMatchObject({ kind: 'anomaly', id: 'lost-final-ack', related: ANOMALIES['lost-final-ack'].related });
  });

  test('a state in any spelling: the same explanation', () => {
    const a = synack(['explain', 'TIME_WAIT']);
    expect(a.code).toBe(0);
    expect(synack(['explain', 'time-wait']).stdout).toBe(a.stdout);
    expect(synack(['explain', 'Time_Wait']).stdout).toBe(a.stdout);
    expect(a.stdout).toMatch(/Arcs in \(\d+, from the state table/);
    const doc = json(synack(['explain', 'time-wait', '--json']));
    expect(doc).toMatchObject({ kind: 'state', state: 'TIME_WAIT' });
  });

  test('a topic: why three segments and not two', () => {
    const doc = json(synack(['explain', 'handshake', '--json']));
    expect(doc).toMatchObject({ kind: 'topic', topic: 'handshake' });
    expect(json(synack(['explain', 'backlog', '--json']))).toMatchObject({ kind: 'topic', topic: 'syn-queue' });
  });

  test('no name, or --list: every id, state and topic, the same both ways', () => {
    const plain = synack(['explain']);
    expect(plain.code).toBe(0);
    expect(synack(['explain', '--list']).stdout).toBe(plain.stdout);
    const doc = json(synack(['explain', '--list', '--json'])) as { anomalies: Array<{ id: string }>; states: Array<{ state: string }>; topics: Array<{ topic: string }> };
    expect(doc.anomalies.map((a) => a.id)).toEqual(Object.keys(ANOMALIES));
    expect(doc.states.map((s) => s.state)).toEqual([...STATES]);
    expect(doc.topics.map((t) => t.topic)).toEqual(Object.keys(TOPICS));
  });

  test('synack --help lists explain; explain --help has examples', () => {
    expect(synack(['--help']).stdout).toMatch(/^ {2}explain /m);
    const h = synack(['explain', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('synack explain 12 capture.pcap');
  });
});

describe('explain ID CAPTURE', () => {
  test('the teaching text\'s handshake: why 5792 after 5840, and why the final ACK says 1460', () => {
    const doc = json(synack(['explain', '1', TEXTBOOK, '--json'])) as { windows: Record<string, Record<string, unknown>> };
    expect(doc.windows['initial']).toEqual({
      client: { packet: 1, window: 5840, segmentSize: 1460, segments: 4, lessTimestamps: false, mss: 1460 },
      server: { packet: 2, window: 5792, segmentSize: 1448, segments: 4, lessTimestamps: true, mss: 1460 },
    });
    expect(doc.windows['firstScaled']!['client']).toEqual({ packet: 3, field: 1460, shift: 2, bytes: 5840, scaling: 'negotiated' });
    const text = synack(['explain', '1', TEXTBOOK]).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('5,792 = 4 × 1,448');
    expect(text).toContain('5,840 = 4 × 1,460');
    expect(text).toContain('1,460 × 2^2 = 5,840 bytes');
  });

  test('the README shows that output as synack prints it', () => {
    const out = synack(['explain', '1', 'textbook-handshake.pcap'], { cwd: join(ROOT, 'test', 'explain', 'data') }).stdout;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('```\n' + out + '```\n');
  });

  test('the copy of the teaching capture is the teaching text\'s own', () => {
    const original = join(ROOT, '..', 'shared', 'teaching', 'textbook-handshake.pcap');
    if (!existsSync(original)) return; // a clone without ../shared: nothing to compare with
    expect(readFileSync(TEXTBOOK).equals(readFileSync(original))).toBe(true);
  });

  test('a connection of a fixture: its lost packets and anomaly ids, a pointer to explain each', () => {
    const doc = json(synack(['explain', '1', fixture('lost-final-ack.pcap'), '--json'])) as { connection: { lostSegments: number[] }; anomalies: string[] };
    expect(doc.connection.lostSegments).toEqual([10, 12]);
    expect(doc.anomalies).toEqual(['fin-retransmission', 'lost-final-ack']);
    const text = synack(['explain', '1', fixture('lost-final-ack.pcap')]).stdout;
    expect(text).toContain('synack explain lost-final-ack');
  });

  test('the analysis flags apply (--msl): TIME_WAIT\'s end is told with them', () => {
    const text = synack(['explain', '1', fixture('lost-final-ack.pcap'), '--msl', '0.1']).stdout;
    expect(text).toMatch(/left TIME_WAIT: 2×MSL \(0\.2 s, --msl 0\.1\)/);
  });
});

describe('explain follows the CLI\'s habits', () => {
  test('standard input is read twice like a file: the same narration, segments included', () => {
    const file = fixture('lost-final-ack.pcap');
    const fromFile = json(synack(['explain', '1', file, '--json']));
    const fromStdin = json(synack(['explain', '1', '-', '--json'], { input: readFileSync(file) }));
    expect(fromStdin).toEqual({ ...fromFile, inputs: ['-'] });
    expect(fromStdin['segmentsRead']).toBe(14);
  });

  test('a capture filter and -r: connection N is analyze\'s N with the same filter', () => {
    const demo = fixture('demo.pcap');
    const analyzed = JSON.parse(synack(['analyze', demo, 'port 4041', '--json']).stdout) as { connections: Array<{ id: number; client: unknown; firstPacket: number }> };
    const second = analyzed.connections.find((c) => c.id === 2)!;
    for (const args of [['explain', '2', demo, 'port', '4041', '--json'], ['explain', '2', '-r', demo, '-f', 'port 4041', '--json']]) {
      const doc = json(synack(args)) as { connection: { client: unknown; firstPacket: number } };
      expect(doc.connection).toMatchObject({ client: second.client, firstPacket: second.firstPacket });
    }
    // Without the filter, #2 is another connection.
    const unfiltered = json(synack(['explain', '2', demo, '--json'])) as { connection: { firstPacket: number } };
    expect(unfiltered.connection.firstPacket).not.toBe(second.firstPacket);
  });

  test('the text fits COLUMNS; --wide never wraps', () => {
    const widest = (s: string) => Math.max(...s.split('\n').map((l) => [...l].length));
    expect(widest(synack(['explain', 'lost-final-ack'], { env: { COLUMNS: '60' } }).stdout)).toBeLessThanOrEqual(60);
    const wide = synack(['explain', 'lost-final-ack', '--wide'], { env: { COLUMNS: '60' } }).stdout;
    expect(widest(wide)).toBeGreaterThan(100);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    expect(words(wide)).toEqual(words(synack(['explain', 'lost-final-ack']).stdout));
  });

  test('-r, -f and -c without a connection id: one line, exit 2', () => {
    oneLineError(synack(['explain', 'lost-final-ack', '-r', fixture('demo.pcap')]), /-r, -f and -c go with a connection id/);
  });
});

describe('bad input: one line, exit 2', () => {
  test('an unknown name suggests the closest', () => {
    oneLineError(synack(['explain', 'lost-fin-ack']), /explain lost-fin-ack: no anomaly id, state or topic of that name; did you mean .*lost-final-ack/);
  });
  test('a connection id out of range names the range', () => {
    oneLineError(synack(['explain', '99', fixture('demo.pcap')]), /no connection #99 in .*demo\.pcap \(its connections are #1\.\.#51\)/);
  });
  test('a connection id without a capture', () => {
    oneLineError(synack(['explain', '12']), /a connection id needs the capture/);
  });
  test('a capture given with a name that is not an id', () => {
    oneLineError(synack(['explain', 'TIME_WAIT', fixture('demo.pcap')]), /takes no capture/);
  });
  test('the capture before the id', () => {
    oneLineError(synack(['explain', fixture('demo.pcap'), '3']), /the connection id comes first/);
  });
  test('a missing capture is named', () => {
    oneLineError(synack(['explain', '1', 'nope.pcap']), /nope\.pcap: no such file/);
  });
  test('id 0', () => {
    oneLineError(synack(['explain', '0', fixture('demo.pcap')]), /connection ids start at 1/);
  });
});

describe('every output that names anomalies points at synack explain', () => {
  test('analyze: once under the anomaly table, and under a detail view\'s anomalies', () => {
    const r = synack(['analyze', fixture('demo.pcap'), '--limit', '3']);
    expect(r.stdout.split('\n').filter((l) => l.includes(EXPLAIN_HINT))).toHaveLength(1);
    expect(synack(['analyze', fixture('demo.pcap'), '--conn', '26', '--no-ladder']).stdout).toContain(EXPLAIN_HINT);
    expect(synack(['analyze', fixture('handshake-ipv4.pcap')]).stdout).not.toContain(EXPLAIN_HINT);
  });

  test('the hint fits 80 columns', () => {
    expect(`  ${EXPLAIN_HINT}`.length).toBeLessThanOrEqual(80);
  });

  test('check: the text report once; JUnit per failing rule; GitHub per annotation', () => {
    expect(synack(['check', fixture('demo.pcap')]).stdout).toContain(EXPLAIN_HINT);
    const junit = synack(['check', fixture('demo.pcap'), '--format', 'junit']).stdout;
    expect(junit).toContain('synack explain handshake-refused');
    expect(junit).toContain('synack explain handshake-timeout');
    const gh = synack(['check', fixture('demo.pcap'), '--format', 'github']).stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(gh.length).toBeGreaterThan(0);
    for (const l of gh) {
      const id = /packet #\d+: ([a-z-]+):/.exec(l)?.[1];
      if (id && id in ANOMALIES) expect(l).toContain(`(synack explain ${id})`);
    }
  });

  test('anomalies: the text says how to read more; --json has every teaching field and matches its schema', () => {
    expect(synack(['anomalies']).stdout).toContain(EXPLAIN_HINT);
    const r = synack(['anomalies', '--json']);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    if (!validateAnomalies(list)) throw new Error(schemaErrors(validateAnomalies));
    expect(list.map((a) => a['id'])).toEqual(Object.keys(ANOMALIES));
    for (const a of list) expect(Object.keys(a).sort()).toEqual(['causes', 'check', 'detection', 'id', 'meaning', 'phase', 'reference', 'related', 'severity']);
  });
});

describe('the commands the catalogue tells people to run', () => {
  // Every `synack ...` command of every id's "what to check", run on a fixture: they are real commands.
  const commands = [...new Set((Object.keys(ANOMALIES) as AnomalyId[]).flatMap((id) => ANOMALIES[id].check.map((s) => s.command))
    .filter((c) => c.startsWith('synack ')))];
  test.each(commands)('%s', (command) => {
    const args = command.replace(/\s*\|.*$/, '').split(/\s+/).slice(1)
      .map((w) => (w === 'CAPTURE' ? fixture('demo.pcap') : w === 'N' ? '26' : w));
    const r = synack(args);
    expect(r.stderr).not.toMatch(/error/);
    expect([0, 1]).toContain(r.code);
  });
});
