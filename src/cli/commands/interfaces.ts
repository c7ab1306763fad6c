/** `synack interfaces`: the devices libpcap can capture on, with their addresses. */
import { Command } from 'commander';
import { listInterfaces, type LiveDevice } from '../../capture/live.js';
import { jsonSafe, safeText } from '../../report/safe-text.js';
import type { Ctx } from '../context.js';

export async function interfacesCommand(): Promise<LiveDevice[]> {
  return listInterfaces();
}

export function defineInterfaces(program: Command, ctx: () => Ctx): void {
  program.command('interfaces')
    .description('list the interfaces live capture can use (`sniff -i <name>`), with their addresses')
    .option('--json', 'a JSON array of { name, description, addresses, flags }')
    .addHelpText('after', `
Needs the cap module built against libpcap (apt-get install libpcap-dev; npm rebuild cap).
Without root or CAP_NET_RAW some interfaces may not be listed.

Examples:
  $ synack interfaces
  $ synack interfaces --json | jq -r '.[].name'
`)
    .action(async (f: { json?: boolean }) => {
      const c = ctx();
      const devs = await interfacesCommand();
      if (f.json) { c.out(jsonSafe(JSON.stringify(devs, null, 2)) + '\n'); return; }
      const p = c.paint;
      for (const d of devs) {
        // Names and descriptions come from the system (a driver, a tunnel's creator): shown escaped.
        const flags = d.flags ? p.dim(` (${safeText(d.flags.replace(/PCAP_IF_/g, '').toLowerCase())})`) : '';
        c.out(`${p.bold(safeText(d.name))}${flags}${d.description ? `  ${safeText(d.description)}` : ''}\n`);
        for (const a of d.addresses) c.out(`    ${safeText(a.addr)}${a.netmask ? p.dim(` netmask ${safeText(a.netmask)}`) : ''}\n`);
      }
    });
}
