/**
 * What an HTML report embeds: one JSON document in `<script type="application/json" id="synack-data">`,
 * described by schema/report-data.schema.json (reportVersion 1). The page's script draws everything from
 * it; a tool can read it back too. Connections, listeners, the summary and inputs are the `--json`
 * shapes (schema/analyze.schema.json); the connection table is columnar (one array per column) so that
 * hundreds of thousands of rows stay small and parse fast.
 *
 * Shared by the Node side (which builds it) and the browser side (which draws it): types and a few
 * constants, nothing that runs.
 */
import type { AnomalyId, Connection, Listener, Severity } from '../../flow/model.js';
import type { ListenerEvents, ReportEnums, ReportPackets, ReportRows, RttHistograms } from '../../pipeline/report-parts.js';
import type { Summary } from '../../pipeline/summary.js';
import type { InputSummary } from '../../pipeline/types.js';

export {
  LISTENER_EVENT_IDS, ROW_DETAILED, ROW_ROLE_INFERRED,
  type Histogram, type ListenerEvents, type ReportEnums, type ReportPackets, type ReportRows, type RttHistograms,
} from '../../pipeline/report-parts.js';

export const REPORT_DATA_VERSION = 1;

export interface CatalogueEntry {
  id: AnomalyId;
  severity: Severity;
  meaning: string;
  reference: string;
  /** What usually causes it, and what to check: the catalogue's lists as sentences (`synack explain <id>`). */
  causes: string;
  check: string;
  /** How synack detects it, and the ids to read with it (added with reportVersion 1 unchanged). */
  detection: string;
  related: AnomalyId[];
}

export interface ReportData {
  reportVersion: 1;
  tool: { name: 'synack'; version: string };
  options: { mslSeconds: number; idleTimeoutSeconds: number; synFloodThreshold: number; verifyChecksums: boolean };
  /** When filters narrowed the table: how they read ("--port 443"). */
  filter: string | null;
  inputs: InputSummary[];
  summary: Summary;
  /** The busiest listeners (most connections, then the highest half-open peak), at most the bound. */
  listeners: Listener[];
  listenersTotal: number;
  /** By listener ("ip port", as in `listeners`): its connections' SYN-queue events. */
  listenerEvents: Record<string, ListenerEvents[]>;
  rtt: RttHistograms;
  enums: ReportEnums;
  rows: ReportRows;
  /**
   * Connections shown in detail (the worst ones, and any asked for by id), as `--json` has them but
   * with at most the report's bound of listed anomalies per id (the rest counted in anomaliesOmitted).
   */
  details: Connection[];
  /** By connection id (as a string key); absent for a connection whose segments were not read. */
  packets: Record<string, ReportPackets>;
  /** Why some connections have no packets (standard input, --no-ladder), when so. */
  packetsNote: string | null;
  /** Bounds the report applied, so the page can say what it left out. */
  bounds: { rows: number; details: number; packetsPerConnection: number; listeners: number; anomaliesPerId: number; eventsPerListener: number };
  catalogue: CatalogueEntry[];
}
