/**
 * The capture filter against tcpdump on the fixtures (the corpus sweep, test/corpus/filter.test.ts,
 * does the same over every corpus file): the frames synack selects are the TCP frames tcpdump selects.
 */
import { readdirSync } from 'node:fs';
import { fixture, FIXTURES, hasCommand } from '../helpers/cli.js';
import { compareWithTcpdump, filtersFor, GENERAL_FILTERS, readFrames } from './tcpdump-oracle.js';

const files = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f));

describe('capture filter = tcpdump\'s selection, on every fixture', () => {
  test.each(files)('%s', async (name) => {
    expect(hasCommand('tcpdump')).toBe(true);
    const frames = await readFrames(fixture(name));
    const results = [];
    for (const f of [...GENERAL_FILTERS, ...filtersFor(frames)]) results.push(await compareWithTcpdump(fixture(name), f, frames));
    const compared = results.filter((r) => !r.skipped);
    // tcpdump reads every fixture but the pcapng with two link types (libpcap takes one per file), and
    // refuses `vlan` on Linux cooked captures (synack follows tags there too).
    const refused = results.filter((r) => r.skipped && !/no VLAN support for Linux cooked/.test(r.skipped));
    if (name === 'two-interfaces.pcapng') {
      expect(compared).toEqual([]);
      return;
    }
    expect(refused.map((r) => `${r.filter}: ${r.skipped}`)).toEqual([]);
    expect(compared.filter((r) => r.differences.length).map((r) => `${r.filter}: ${r.differences.slice(0, 5).join(' ')}`)).toEqual([]);
    // The filters tell segments apart (comparisons of empty sets alone would prove little).
    expect(new Set(compared.map((r) => r.ours)).size).toBeGreaterThan(1);
  });
});
