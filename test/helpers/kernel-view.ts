/**
 * The kernel's own view of a fixture (fixtures/NAME.kernel.json, written by fixtures/lib/kview.py beside
 * the capture; format in fixtures/README.md, "Kernel views", and fixtures/kernel-view.schema.json): what
 * the two Linux kernels of the lab went through, to hold synack's timelines and SYN-queue model against.
 *
 *   const v = kernelViewFor('lost-final-ack-server.pcap');        // or loadKernelView('lost-final-ack')
 *   const c = findKernelConnection(v, conn.client, conn.server)!; // synack's {ip, port} ends
 *   endpointStates(c, 'server');   // ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']
 *   epochSeconds(v, c.endpoints.server!.states[4]!.t);            // comparable with Connection times
 *   synQueueSeries(v, '198.18.0.2:4040'); nstatDelta(v, 'ListenDrops');
 *
 * Times in the file are seconds relative to the first frame of the view's first capture; the helpers
 * named epoch* give Unix seconds, as synack's Connection and Transition times are.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { FIXTURES } from './cli.js';

export type TcpState =
  | 'CLOSED' | 'LISTEN' | 'SYN_SENT' | 'SYN_RECEIVED' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2'
  | 'CLOSE_WAIT' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';
/** The lab's two hosts: fixtures/lib/netlab.sh's client (198.18.0.1, 2001:db8::1) and server (.2, ::2). */
export type LabHost = 'client' | 'server';

/** One state change of one endpoint. */
export interface KernelStateChange {
  t: number;
  from: TcpState;
  to: TcpState;
  /**
   * How the kernel showed it. Absent: a sock:inet_sock_set_state event (exact to the µs). 'sampled': a
   * request or time-wait socket appeared or changed in /proc/net/tcp: first seen at t, last seen before at
   * `since`, so it happened in (since, t]. 'timewait': the full socket was handed over to a time-wait
   * socket at t (exact), which held the new state.
   */
  via?: 'sampled' | 'timewait';
  since?: number;
}

/** The request socket (SYN queue entry) that held a passive open's SYN_RECEIVED state. */
export interface KernelRequest {
  /** First and last sample that held it; it appeared in (states[0].since, seen[0]]. */
  seen?: [number, number];
  /** First sample without it: it left the queue in (seen[1], gone]. */
  gone?: number | null;
  /** The kernel's SYN-ACK re-send count for it (num_timeout) when last seen. */
  resends?: number;
  /** tcp_retransmit_synack: when it re-sent its SYN-ACK (exact). */
  synAckRetransmits: number[];
  /** established: a full socket took over (the handshake's ACK arrived); dropped: gone without one. */
  outcome: 'established' | 'dropped' | 'open';
}

export interface KernelEndpoint {
  /** Passive opens only. null: the connection was established with no request socket (a SYN cookie). */
  request?: KernelRequest | null;
  /** Present (null) when that host had no socket at all for the connection (a RST from a closed port). */
  socket?: null;
  states: KernelStateChange[];
  /** The state when the recording ended. */
  final: TcpState;
  /** tcp_send_reset: [t, reason] (reason as the kernel names it: NO_SOCKET, TCP_STATE, ...). */
  resetsSent?: Array<[number, string]>;
  /** tcp_receive_reset: RSTs a full socket received (a time-wait socket's show only as it vanishing). */
  resetsReceived?: number[];
  /** tcp_retransmit_skb: [t, state of the sender]. */
  retransmits?: Array<[number, TcpState]>;
}

export interface KernelConnection {
  /** "ip:port" / "[ipv6]:port"; the server is the lab's server host's end (or the end a lone client talked to). */
  client: string;
  server: string;
  endpoints: Partial<Record<LabHost, KernelEndpoint>>;
}

export interface KernelQueueSeries {
  peak: number;
  peakAt: number | null;
  /** [t, n] at each change, from 0; t is the first sample that saw n. */
  series: Array<[number, number]>;
}

export interface KernelListener {
  host: LabHost;
  local: string;
  /** listen()'s backlog as the kernel holds it (min(backlog, somaxconn)). */
  backlog: number | null;
  open: number;
  close: number | null;
  /** Request sockets in the SYN queue. */
  synQueue: KernelQueueSeries;
  /** Established connections waiting for accept(). */
  acceptQueue: KernelQueueSeries;
  answered: { requests: number; established: number; dropped: number; open: number; withoutRequest: number };
  /** RSTs the listener itself sent ([t, reason]) for segments no connection owned; the kernel does not name the peer. */
  resetsSent?: Array<[number, string]>;
}

export interface KernelView {
  format: 'synack-kernel-view';
  version: 1;
  fixture: string;
  kernel: string;
  /** CONFIG_HZ of the kernel that made it (its timers round long waits up by up to 1/8). */
  hz: number | null;
  captures: Array<{ file: string; host: LabHost; oneWayDelayMs: number }>;
  t0: { capture: string; epochUs: number };
  clock: { trace: 'mono'; anchorSpreadNs: number };
  sampling: { periodMs: number; samples: number; maxGapMs: number };
  hosts: Record<LabHost, { addrs: string[]; sysctls: Record<string, number | string>; nstat: Record<string, number> }>;
  listeners: KernelListener[];
  connections: KernelConnection[];
}

const SUFFIX = '.kernel.json';
const ORDER: readonly TcpState[] = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'];

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(FIXTURES, 'kernel-view.schema.json'), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  }
  return validator;
}

/** The fixture names that have a kernel view (fixtures/NAME.kernel.json), sorted. */
export function kernelViewNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length)).sort();
}

/** What is wrong with a parsed kernel view: schema errors, then broken invariants. Empty when well formed. */
export function kernelViewProblems(v: unknown): string[] {
  const validate = schemaValidator();
  if (!validate(v)) return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  const view = v as KernelView;
  const out: string[] = [];
  for (const c of view.connections) {
    for (const [host, ep] of Object.entries(c.endpoints) as Array<[LabHost, KernelEndpoint]>) {
      const where = `${c.client} → ${c.server} ${host}`;
      ep.states.forEach((s, i) => {
        const prev = ep.states[i - 1];
        if (prev && prev.to !== s.from) out.push(`${where}: #${i} ${s.from} → ${s.to} follows → ${prev.to}`);
        if (prev && s.t < prev.t) out.push(`${where}: #${i} at ${s.t} before #${i - 1} at ${prev.t}`);
        if (s.from === s.to) out.push(`${where}: #${i} ${s.from} → ${s.to}`);
        if ((s.via === 'sampled') !== (s.since !== undefined)) out.push(`${where}: #${i} 'since' goes with (only) via: sampled`);
        if (s.since !== undefined && s.since > s.t) out.push(`${where}: #${i} since ${s.since} after t ${s.t}`);
      });
      const last = ep.states.at(-1);
      if ((last?.to ?? 'CLOSED') !== ep.final) out.push(`${where}: final ${ep.final}, last state ${last?.to ?? 'none'}`);
      if (ep.socket === null && ep.states.length > 0) out.push(`${where}: no socket but states`);
      const r = ep.request;
      if (r) {
        if (host !== 'server') out.push(`${where}: a request socket on the client`);
        if (r.seen && r.seen[1] < r.seen[0]) out.push(`${where}: request seen backwards`);
        if (r.outcome === 'dropped' && (r.gone === null || r.gone === undefined)) out.push(`${where}: dropped request never gone`);
        // The count is sampled (a last re-send may fall after the last sample); a duplicate SYN makes
        // the kernel re-send without counting a timeout: never more counted than traced.
        if (r.resends !== undefined && r.resends > r.synAckRetransmits.length) {
          out.push(`${where}: ${r.resends} re-sends counted, ${r.synAckRetransmits.length} traced`);
        }
      }
    }
  }
  for (const l of view.listeners) {
    for (const q of [l.synQueue, l.acceptQueue]) {
      const peak = Math.max(0, ...q.series.map(([, n]) => n));
      if (peak !== q.peak) out.push(`listener ${l.local}: peak ${q.peak}, series peaks at ${peak}`);
      q.series.forEach(([t], i) => { if (i > 0 && t < q.series[i - 1]![0]) out.push(`listener ${l.local}: series goes back in time at #${i}`); });
    }
  }
  return out;
}

function parse(file: string): KernelView {
  const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const problems = kernelViewProblems(v);
  if (problems.length > 0) throw new Error(`${file}: not a well-formed kernel view:\n  ${problems.slice(0, 20).join('\n  ')}`);
  return v as KernelView;
}

const cache = new Map<string, KernelView>();

/** fixtures/NAME.kernel.json, checked (schema and invariants); NAME may also be a capture the view covers. */
export function loadKernelView(name: string): KernelView {
  const direct = join(FIXTURES, `${name.replace(/\.kernel\.json$/, '')}${SUFFIX}`);
  if (!existsSync(direct)) {
    const v = kernelViewFor(name);
    if (!v) throw new Error(`no kernel view for ${name}`);
    return v;
  }
  let v = cache.get(direct);
  if (!v) {
    v = parse(direct);
    cache.set(direct, v);
  }
  return v;
}

/** The kernel view that covers a capture in fixtures/ (e.g. 'lost-final-ack-server.pcap'), if any. */
export function kernelViewFor(capture: string): KernelView | undefined {
  const base = capture.split('/').at(-1)!;
  for (const n of kernelViewNames()) {
    const v = loadKernelView(n);
    if (v.captures.some((c) => c.file === base)) return v;
  }
  return undefined;
}

/** A time of the view (relative to t0) as Unix seconds, as synack's times are. */
export function epochSeconds(v: KernelView, t: number): number {
  return (v.t0.epochUs + Math.round(t * 1e6)) / 1e6;
}

/** Unix seconds (a synack time) as a time of the view. */
export function viewSeconds(v: KernelView, epoch: number): number {
  return Math.round(epoch * 1e6 - v.t0.epochUs) / 1e6;
}

/** "ip:port" as the view writes an end ("[ipv6]:port" for IPv6). */
export function endpointKey(e: { ip: string; port: number } | string): string {
  if (typeof e === 'string') return e;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** The connections between two ends (either order), in time order (port reuse makes several). */
export function findKernelConnections(v: KernelView, a: { ip: string; port: number } | string, b: { ip: string; port: number } | string): KernelConnection[] {
  const x = endpointKey(a);
  const y = endpointKey(b);
  return v.connections.filter((c) => (c.client === x && c.server === y) || (c.client === y && c.server === x));
}

/** The one connection between two ends (throws if there are several: use findKernelConnections). */
export function findKernelConnection(v: KernelView, a: { ip: string; port: number } | string, b: { ip: string; port: number } | string): KernelConnection | undefined {
  const all = findKernelConnections(v, a, b);
  if (all.length > 1) throw new Error(`${all.length} kernel connections between ${endpointKey(a)} and ${endpointKey(b)}`);
  return all[0];
}

/** The states an endpoint went through, first to last (['CLOSED', 'SYN_SENT', 'ESTABLISHED', ...]); [] without a socket. */
export function endpointStates(c: KernelConnection, host: LabHost): TcpState[] {
  const s = c.endpoints[host]?.states ?? [];
  return s.length === 0 ? [] : [s[0]!.from, ...s.map((x) => x.to)];
}

/**
 * The endpoint's state at view time t: the state entered by the last change at or before t. For a
 * sampled change whose window (since, t] holds the time asked, the answer is uncertain: the earlier
 * state is returned and `uncertain` says so.
 */
export function endpointStateAt(c: KernelConnection, host: LabHost, t: number): { state: TcpState | null; uncertain: boolean } {
  const s = c.endpoints[host]?.states ?? [];
  if (s.length === 0) return { state: null, uncertain: false };
  let state = s[0]!.from;
  for (const x of s) {
    if (x.t > t) return { state, uncertain: x.since !== undefined && x.since < t };
    state = x.to;
  }
  return { state, uncertain: false };
}

export function kernelListener(v: KernelView, local: { ip: string; port: number } | string): KernelListener | undefined {
  const k = endpointKey(local);
  return v.listeners.find((l) => l.local === k);
}

/** The number of request sockets in a listener's SYN queue over time: [view seconds, n] at each change. */
export function synQueueSeries(v: KernelView, local: { ip: string; port: number } | string): Array<[number, number]> {
  return kernelListener(v, local)?.synQueue.series ?? [];
}

/** The listener's accept queue (established, not yet accepted) over time: [view seconds, n] at each change. */
export function acceptQueueSeries(v: KernelView, local: { ip: string; port: number } | string): Array<[number, number]> {
  return kernelListener(v, local)?.acceptQueue.series ?? [];
}

/** A counter's change over the recording on a host: 'ListenDrops' or 'TcpExtListenDrops', 'TcpActiveOpens'. */
export function nstatDelta(v: KernelView, counter: string, host: LabHost = 'server'): number {
  const n = v.hosts[host].nstat;
  return n[counter] ?? n[`TcpExt${counter}`] ?? n[`Tcp${counter}`] ?? 0;
}

/** The passive opens of a listener, with their request socket (null for SYN-cookie connections). */
export function listenerRequests(v: KernelView, local: { ip: string; port: number } | string): Array<{ connection: KernelConnection; request: KernelRequest | null }> {
  const k = endpointKey(local);
  return v.connections.filter((c) => c.server === k && c.endpoints.server?.request !== undefined)
    .map((c) => ({ connection: c, request: c.endpoints.server!.request! }));
}

/** True when `state` is one of RFC 9293's eleven names as the view and synack spell them. */
export function isTcpState(state: string): state is TcpState {
  return (ORDER as readonly string[]).includes(state);
}
