#!/usr/bin/env node
/**
 * A deliberately slow consumer of `synack analyze --json` (test/limits/pipe.test.ts):
 *
 *   synack analyze --json big.pcap | node test/helpers/slow-json-reader.mjs <bytes per second>
 *
 * Reads standard input no faster than the given rate, and checks it is one JSON document to its last
 * byte without holding it: the document is streamed one connection a line (report/analyze-json.ts),
 * so each connection line is parsed on its own and dropped, and the rest (head, inputs, summary,
 * listeners) is parsed whole with an empty connections array in their place. Prints one JSON line:
 * { ok, error, bytes, connections, summary, listeners }.
 */
const rate = Number(process.argv[2]);
if (!(rate > 0)) { process.stderr.write('usage: slow-json-reader.mjs <bytes per second>\n'); process.exit(2); }

const OPEN = '  "connections": [';
let state = 'head';
let head = '';
let tail = '';
let carry = '';
let bytes = 0;
let connections = 0;
let error = null;
let lastLine = null;

function line(l) {
  lastLine = l;
  if (error !== null) return;
  if (state === 'head') {
    if (l === OPEN) { state = 'connections'; return; }
    if (l === `${OPEN}],`) { state = 'tail'; return; }
    head += l + '\n';
  } else if (state === 'connections') {
    if (l === '  ],') { state = 'tail'; return; }
    if (!l.startsWith('    {')) { error = `connection line ${connections + 1} does not start an object: ${l.slice(0, 80)}`; return; }
    try {
      const c = JSON.parse(l.endsWith(',') ? l.slice(0, -1) : l);
      if (typeof c.id !== 'number') error = `connection line ${connections + 1} has no id`;
    } catch (e) {
      error = `connection line ${connections + 1}: ${e.message}`;
    }
    connections++;
  } else {
    tail += l + '\n';
  }
}

process.stdin.on('data', (chunk) => {
  bytes += chunk.length;
  const text = carry + chunk.toString('utf8');
  const parts = text.split('\n');
  carry = parts.pop();
  for (const l of parts) line(l);
  // No faster than `rate`: hold the pipe for as long as this chunk "took".
  process.stdin.pause();
  setTimeout(() => process.stdin.resume(), (chunk.length / rate) * 1000);
});

process.stdin.on('end', () => {
  let doc = null;
  if (error === null && carry !== '') error = `the document does not end with a line feed (last bytes: ${JSON.stringify(carry.slice(-40))})`;
  if (error === null && state !== 'tail') error = `the document ends inside its ${state} (after ${connections} connections)`;
  if (error === null) {
    try {
      doc = JSON.parse(`${head}${OPEN}],\n${tail}`);
    } catch (e) {
      error = `the document around the connections is not JSON: ${e.message}`;
    }
  }
  if (error === null && lastLine !== '}') error = `the last line is ${JSON.stringify(lastLine)}, not "}"`;
  process.stdout.write(JSON.stringify({
    ok: error === null, error, bytes, connections,
    summary: doc?.summary ?? null,
    listeners: doc ? doc.listeners.length : null,
  }) + '\n');
});
