#!/usr/bin/env node
/**
 * Read + decode only (no tracker): the built pipeline's decode-only path over the captures, with a
 * callback that only reads a field of each segment. Used by bench/run.js (the CLI has no such switch).
 *
 *   node bench/decode.js FILE... [--verify-checksums]
 *
 * Prints one line to stderr: frames, TCP segments, seconds inside the loop, segments/s.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = process.env.SYNACK_DIST ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist');
const load = (rel) => import(pathToFileURL(join(DIST, rel)).href);

const args = process.argv.slice(2);
const verify = args.includes('--verify-checksums');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  process.stderr.write('usage: node bench/decode.js FILE... [--verify-checksums]\n');
  process.exit(2);
}

// The pipeline's decode-only path (decodeInputs: the FrameSink loop `analyze` runs, minus the tracker);
// without it, reader + decoder directly, which is the same work minus the sink's counting.
let run;
try {
  const { decodeInputs } = await load('pipeline/analyze.js');
  run = async (onTcp) => {
    const r = await decodeInputs(files, { verifyChecksums: verify }, onTcp);
    return { frames: r.counts.frames, tcp: r.counts.tcpSegments, via: 'decodeInputs' };
  };
} catch {
  const { readCapture } = await load('capture/reader.js');
  const { decodeFrame } = await load('decode/decode.js');
  const { newSegment } = await load('decode/segment.js');
  run = async (onTcp) => {
    const seg = newSegment();
    const opts = { verifyChecksums: verify };
    let frames = 0;
    let tcp = 0;
    for (const file of files) {
      await readCapture(file, (f) => {
        frames++;
        if (decodeFrame(f, seg, opts) === 'tcp') { tcp++; onTcp(seg); }
      });
    }
    return { frames, tcp, via: 'readCapture+decodeFrame' };
  };
}

// Touch a field so the callback is not an empty function the JIT could treat specially.
let payload = 0;
const t0 = process.hrtime.bigint();
const r = await run((seg) => { payload += seg.payloadLen; });
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
process.stderr.write(`decode (${r.via}): ${r.frames} frames, ${r.tcp} TCP segments, ${payload} payload bytes, ` +
  `${secs.toFixed(3)} s in the loop, ${(r.tcp / secs / 1e6).toFixed(2)} M segments/s\n`);
