/** `synack anomalies`: the anomaly catalogue (ids for --anomaly, --fail-on, --allow, --max). */
import { Command } from 'commander';
import type { AnomalyId } from '../../flow/model.js';
import type { AnomalyDefinition } from '../../flow/anomalies.js';
import { ANOMALIES } from '../../pipeline/stages.js';
import { EXPLAIN_HINT } from '../../report/explain-hint.js';
import { severityColor } from '../../report/style.js';
import type { Ctx } from '../context.js';

export function anomaliesCommand(): Array<{ id: AnomalyId } & AnomalyDefinition> {
  return (Object.entries(ANOMALIES) as Array<[AnomalyId, AnomalyDefinition]>).map(([id, d]) => ({ id, ...d }));
}

export function defineAnomalies(program: Command, ctx: () => Ctx): void {
  program.command('anomalies')
    .description('list every anomaly id synack can report, with severity, meaning and reference (synack explain <id> teaches one)')
    .option('--json', 'a JSON array of { id, severity, meaning, reference, phase, detection, causes, check, related } (schema/anomalies.schema.json)')
    .addHelpText('after', `
Examples:
  $ synack anomalies
  $ synack check capture.pcap --fail-on half-open,lost-final-ack
`)
    .action(async (f: { json?: boolean }) => {
      const c = ctx();
      const list = anomaliesCommand();
      if (f.json) { c.out(JSON.stringify(list, null, 2) + '\n'); return; }
      const width = Math.max(...list.map((a) => a.id.length)) + 2;
      for (const a of list) {
        c.out(`${severityColor(c.paint, a.severity)(a.severity.padEnd(8))}${c.paint.bold(a.id.padEnd(width))}${a.meaning}\n${' '.repeat(8 + width)}${c.paint.dim(a.reference)}\n`);
      }
      c.out(`\n${c.paint.dim(EXPLAIN_HINT)}\n`);
    });
}
