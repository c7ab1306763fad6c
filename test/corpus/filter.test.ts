/**
 * The capture filter against tcpdump over the corpus (npm run test:corpus): for every well-formed file
 * with TCP in it and each filter of GENERAL_FILTERS and ADDRESS_FILTERS, the TCP frames synack selects
 * are the ones tcpdump writes with that filter. Files of one link type go through one tcpdump run
 * (`-V`), so a filter costs one spawn per link type; files tcpdump stops on halfway (it refuses some
 * pcapng interface layouts) are compared alone, on what tcpdump read of them. No exception is listed:
 * any difference fails. Pairs tcpdump refuses (`vlan` where libpcap has no VLAN support) are counted
 * and must stay few.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADDRESS_FILTERS, compareGroupWithTcpdump, compareWithTcpdump, GENERAL_FILTERS, readFrames, splitReadable, type FilterComparison,
} from '../filter/tcpdump-oracle.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');
const tmp = mkdtempSync(path.join(tmpdir(), 'synack-filter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Well-formed files with TCP, by link type (files of several link types left out: libpcap reads one). */
function groups(): Map<string, string[]> {
  const lines = readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.length > 0);
  const head = lines[0]!.split('\t');
  const col = (n: string): number => head.indexOf(n);
  const out = new Map<string, string[]>();
  for (const c of lines.slice(1).map((l) => l.split('\t'))) {
    if (c[col('malformed')] !== '-' || Number(c[col('tcp_packets')]) === 0 || c[col('link_type')]!.includes(',')) continue;
    const key = c[col('link_type')]!;
    out.set(key, [...(out.get(key) ?? []), path.join(corpus, c[col('file')]!)]);
  }
  return out;
}

describe('capture filter = tcpdump\'s selection over the corpus', () => {
  test('every (file, filter) pair tcpdump can run agrees, frame by frame', async () => {
    const results: Array<FilterComparison & { file: string }> = [];
    let files = 0;
    for (const [linkType, all] of groups()) {
      files += all.length;
      const listFile = path.join(tmp, `${linkType.replace(/\W/g, '_')}.list`);
      // Files tcpdump stops on halfway would spoil a group run: they are compared one by one.
      const { together, alone } = await splitReadable(listFile, all);
      const frames = await Promise.all(together.map(readFrames));
      for (const filter of [...GENERAL_FILTERS, ...ADDRESS_FILTERS]) {
        if (together.length) results.push(...(await compareGroupWithTcpdump(listFile, together, frames, filter)));
        for (const file of alone) results.push({ file, ...(await compareWithTcpdump(file, filter)) });
      }
    }
    expect(files).toBeGreaterThan(150);
    const compared = results.filter((r) => !r.skipped);
    const differ = compared.filter((r) => r.differences.length).map((r) => `${path.relative(corpus, r.file)} "${r.filter}": ${r.differences.slice(0, 5).join(' ')}`);
    expect(differ).toEqual([]);
    expect(compared.length).toBeGreaterThan(3000);
    // Selections neither everything nor nothing: the comparisons had something to tell apart.
    expect(compared.filter((r) => r.ours > 0 && r.ours < r.tcp).length).toBeGreaterThan(500);
    expect(results.filter((r) => r.skipped).length).toBeLessThan(results.length / 10);
  }, 600_000);
});
