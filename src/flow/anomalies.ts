/**
 * The anomaly catalogue: every id the flow stage can raise, defined once with its severity, a
 * one-line meaning and where the rule comes from, joined to its teaching text (anomaly-guide.ts: how
 * it is detected, causes, what to check, related ids). Reports and tests key on the id, never on text.
 */
import { ANOMALY_GUIDE, type AnomalyGuide } from './anomaly-guide.js';
import type { AnomalyId, AnomalyOccurrence, EndpointRole, Severity } from './model.js';

export interface AnomalyBasics {
  severity: Severity;
  meaning: string;
  reference: string;
  /**
   * The verdict rests on a packet's absence (an answer, an ACK, a FIN never seen): a capture that may
   * have missed packets around it makes it uncertain (flow/confidence.ts).
   */
  restsOnAbsence?: true;
}

/** What the catalogue says of an id: `synack anomalies --json` prints it, `synack explain <id>` teaches it. */
export interface AnomalyDefinition extends AnomalyBasics, AnomalyGuide {}

const BASICS: Readonly<Record<AnomalyId, AnomalyBasics>> = {
  // --- handshake ---
  'syn-retransmission': { severity: 'warning', meaning: 'The client sent its SYN again (same ISN): the SYN or its answer was lost, or the server was slow.', reference: 'RFC 6298 §5 (back-off), RFC 9293 §3.8.1; Wireshark tcp.analysis.retransmission' },
  'synack-retransmission': { severity: 'warning', meaning: 'The server sent its SYN-ACK again (same ISN): the client\'s ACK never reached it.', reference: 'RFC 9293 §3.8.1, RFC 6298 §5' },
  'lost-handshake-ack': { severity: 'warning', meaning: 'The handshake\'s third ACK was lost: the server re-sent its SYN-ACK after the ACK passed, or the handshake completed only through a SYN-ACK retransmission.', reference: 'RFC 9293 §3.5 (Figure 6), §3.10.7.4', restsOnAbsence: true },
  'handshake-refused': { severity: 'error', meaning: 'The server answered the SYN with a RST: nothing listens on that port (connection refused).', reference: 'RFC 9293 §3.10.7.1, §3.5.2' },
  'half-open': { severity: 'warning', meaning: 'The server kept the request in SYN_RECEIVED (its SYN queue) and the client never completed the handshake before the capture ended.', reference: 'RFC 9293 §3.5; RFC 4987 (SYN flooding)', restsOnAbsence: true },
  'simultaneous-open': { severity: 'info', meaning: 'Both ends sent a SYN without ACK: simultaneous open.', reference: 'RFC 9293 §3.5 (Figure 7)' },
  'bad-handshake-ack': { severity: 'error', meaning: 'A handshake acknowledgement does not acknowledge the peer\'s ISN+1.', reference: 'RFC 9293 §3.10.7.3, §3.10.7.4; Zeek weird bad_SYN_ack' },
  'syn-with-data': { severity: 'info', meaning: 'A SYN or SYN-ACK carried payload (TCP Fast Open, or unusual).', reference: 'RFC 7413 (TFO), RFC 9293 §3.4; Zeek weird SYN_with_data' },
  'options-mismatch': { severity: 'info', meaning: 'Window scale, SACK-permitted or timestamps offered by one side only: not in effect.', reference: 'RFC 7323 §1.3 and §2.2, RFC 2018 §2' },
  'handshake-timeout': { severity: 'error', meaning: 'The SYN was never answered (no SYN-ACK, no RST) and the client gave up: the capture ran past its retry schedule without another SYN.', reference: 'RFC 9293 §3.8.1, §3.8.3 (R2); RFC 6298 §5; Zeek conn_state S0', restsOnAbsence: true },
  'syn-unanswered': { severity: 'info', meaning: 'The SYN had no answer when the capture ended, before the client\'s retry schedule ran out: not (yet) a timeout.', reference: 'RFC 9293 §3.8.1; RFC 6298 §5', restsOnAbsence: true },
  'stateless-answer': { severity: 'info', meaning: 'The server answered the SYN without keeping the request (no SYN-ACK re-sent past its first retransmission time): a SYN cookie, sent when its SYN queue is full.', reference: 'RFC 4987 §3.6 (SYN cookies)', restsOnAbsence: true },
  'syn-dropped': { severity: 'warning', meaning: 'The listener ignored this SYN (no SYN-ACK, no RST) while it answered others: its SYN queue (or accept queue) was full.', reference: 'RFC 4987 §2; Linux ListenDrops, TCPReqQFullDrop', restsOnAbsence: true },
  'accept-queue-overflow': { severity: 'warning', meaning: 'The server ignored the handshake\'s ACK and re-sent its SYN-ACK although the ACK passed, repeatedly: the application was not accepting (its accept queue was full).', reference: 'Linux ListenOverflows, tcp_abort_on_overflow; RFC 9293 §3.10.7.4', restsOnAbsence: true },
  'half-open-expired': { severity: 'warning', meaning: 'The server re-sent its SYN-ACK with doubling waits, then dropped the request (SYN_RECEIVED → CLOSED): the half-open survival time ran out without the client\'s ACK.', reference: 'RFC 9293 §3.8.3 (R2); RFC 4987 §2; Linux tcp_synack_retries', restsOnAbsence: true },
  // --- teardown ---
  'simultaneous-close': { severity: 'info', meaning: 'The FINs crossed: both ends went through CLOSING.', reference: 'RFC 9293 §3.6 (Figure 13)' },
  'lost-final-ack': { severity: 'warning', meaning: 'The ACK of the last FIN was lost: the LAST_ACK side re-sent its FIN, or it was never acknowledged.', reference: 'RFC 9293 §3.6, §3.10.7.4 (LAST-ACK, TIME-WAIT)', restsOnAbsence: true },
  'fin-retransmission': { severity: 'warning', meaning: 'A FIN was sent again (same sequence number).', reference: 'RFC 9293 §3.6; Wireshark tcp.analysis.retransmission' },
  'reset': { severity: 'warning', meaning: 'An endpoint aborted the connection with RST.', reference: 'RFC 9293 §3.5.2, §3.10.7' },
  'half-closed': { severity: 'info', meaning: 'One side sent FIN; the other never sent its own before the capture ended.', reference: 'RFC 9293 §3.6 (half-close); Zeek conn_state S2/S3', restsOnAbsence: true },
  'time-wait-reuse': { severity: 'warning', meaning: 'A new SYN reused the 4-tuple within 2×MSL of the previous connection\'s close (TIME_WAIT).', reference: 'RFC 9293 §3.6.1, RFC 6191, RFC 1337' },
  // --- data phase ---
  'retransmission': { severity: 'warning', meaning: 'A segment re-sent sequence space already seen (details.fast: asked for by duplicate ACKs; details.spurious: already acknowledged).', reference: 'Wireshark tcp.analysis.retransmission, fast_retransmission, spurious_retransmission; RFC 6298, RFC 5681 §3.2, RFC 9293 §3.10.7.4' },
  'out-of-order': { severity: 'info', meaning: 'A segment arrived below the highest sequence seen, within one handshake RTT of it (3 ms without a sample Karn\'s rule allows), not ending where it did and not yet acknowledged.', reference: 'Wireshark tcp.analysis.out_of_order; RFC 6298 §3 (Karn)' },
  'duplicate-ack': { severity: 'info', meaning: 'A pure ACK repeating the previous ACK number, window and sequence while data is outstanding.', reference: 'RFC 5681 §2; Wireshark tcp.analysis.duplicate_ack' },
  'zero-window': { severity: 'warning', meaning: 'The receiver advertised a zero window.', reference: 'Wireshark tcp.analysis.zero_window; RFC 9293 §3.8.6' },
  'keep-alive': { severity: 'info', meaning: 'A keep-alive probe (seq one below the next expected, at most one byte).', reference: 'Wireshark tcp.analysis.keep_alive; RFC 1122 §4.2.3.6' },
  'keep-alive-ack': { severity: 'info', meaning: 'The answer to a keep-alive: a pure ACK repeating the last ACK and window.', reference: 'Wireshark tcp.analysis.keep_alive_ack; RFC 1122 §4.2.3.6' },
  'window-update': { severity: 'info', meaning: 'A pure ACK that only changes the advertised window (not to zero).', reference: 'Wireshark tcp.analysis.window_update; RFC 9293 §3.8.6' },
  'window-full': { severity: 'info', meaning: 'A segment filled the receiver\'s advertised window to its right edge: the sender must wait for it to open.', reference: 'Wireshark tcp.analysis.window_full; RFC 9293 §3.8.6' },
  'zero-window-probe': { severity: 'info', meaning: 'A probe of a zero window: one new byte, or (as Linux sends it) the keep-alive form, one byte below the next.', reference: 'Wireshark tcp.analysis.zero_window_probe; RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17' },
  'zero-window-probe-ack': { severity: 'info', meaning: 'The answer to a zero-window probe, the window still zero.', reference: 'Wireshark tcp.analysis.zero_window_probe_ack; RFC 9293 §3.8.6.1' },
  // --- capture gaps ---
  'previous-segment-not-captured': { severity: 'warning', meaning: 'The sequence number jumped past the next expected byte: the capture did not see a segment (lost before the capture point, or dropped by it).', reference: 'Wireshark tcp.analysis.lost_segment ("previous segment not captured")' },
  'acked-unseen-segment': { severity: 'warning', meaning: 'An ACK covers data the capture never showed: the capture missed a segment that reached the receiver.', reference: 'Wireshark tcp.analysis.ack_lost_segment ("ACKed segment that wasn\'t captured")' },
  // --- malformed or odd ---
  'invalid-flags': { severity: 'error', meaning: 'A flag combination no stack sends (SYN+FIN, SYN+RST, no flags...).', reference: 'RFC 9293 §3.1; Zeek history I/Q' },
  'bad-checksum': { severity: 'error', meaning: 'The TCP checksum is wrong: the receiver drops the segment.', reference: 'RFC 9293 §3.1; Zeek bad_TCP_checksum' },
  'malformed-option': { severity: 'error', meaning: 'A TCP option has a bad length or runs past the header.', reference: 'RFC 9293 §3.1, §3.2' },
  'bad-header-length': { severity: 'error', meaning: 'The data offset is below 5 words or beyond the segment.', reference: 'RFC 9293 §3.1' },
  'truncated': { severity: 'info', meaning: 'The capture cut the TCP header or options (snaplen).', reference: 'pcap snaplen; tcpdump [|tcp]' },
  'data-before-handshake': { severity: 'warning', meaning: 'Payload sent before the sender reached ESTABLISHED (outside a SYN).', reference: 'RFC 9293 §3.10.7; Zeek weird data_before_established', restsOnAbsence: true },
  'port-zero': { severity: 'error', meaning: 'Source or destination port 0.', reference: 'RFC 9293 §3.1, IANA port 0 reserved' },
  // --- listeners ---
  'syn-queue-overflow': { severity: 'error', meaning: 'A listener left SYNs unanswered while it answered others: its SYN queue was full (the depth when drops began is its backlog).', reference: 'RFC 4987 §2; Linux ListenDrops, TCPReqQFullDrop', restsOnAbsence: true },
  'syn-cookies': { severity: 'warning', meaning: 'A listener answered SYNs without keeping them (no SYN-ACK re-sent): SYN cookies, which Linux sends once its SYN queue is full.', reference: 'RFC 4987 §3.6; Linux SyncookiesSent, TCPReqQFullDoCookies', restsOnAbsence: true },
  'syn-flood': { severity: 'error', meaning: 'A listener\'s half-open (SYN_RECEIVED) count passed the SYN-flood threshold.', reference: 'RFC 4987' },
  // --- the analysis itself ---
  'evicted': { severity: 'warning', meaning: 'Finished early under memory pressure (the oldest idle, half-open first): its end was not seen.', reference: 'synack README, Memory ceiling; as Suricata\'s memcaps, Zeek\'s table limits' },
};

export const ANOMALIES: Readonly<Record<AnomalyId, AnomalyDefinition>> = Object.fromEntries(
  (Object.keys(BASICS) as AnomalyId[]).map((id) => [id, { ...BASICS[id], ...ANOMALY_GUIDE[id] }]),
) as Record<AnomalyId, AnomalyDefinition>;

/**
 * Messages repeat from connection to connection: under a SYN flood, 200,000 half-open connections
 * share a handful of texts ("SYN-ACK sent again after 1.000 s (attempt 2)"). A template literal
 * builds a fresh chain of string pieces each time, held until the connection is emitted; one copy
 * of each text is kept instead. Bounded: past MESSAGES_MAX distinct texts the table starts over, so
 * texts unique to one connection (sequence numbers, counts) cost it nothing for long.
 */
const MESSAGES_MAX = 4096;
let messages = new Map<string, string>();

function sharedMessage(m: string): string {
  const known = messages.get(m);
  if (known !== undefined) return known;
  if (messages.size >= MESSAGES_MAX) messages = new Map();
  messages.set(m, m);
  return m;
}

/**
 * Occurrences of one id a connection lists; past this they are counted (Connection.anomaliesOmitted)
 * and not kept. A long connection over a lossy path can raise hundreds of thousands of
 * `retransmission`s, ~300 bytes each, held until it ends: memory would follow that connection's
 * length instead of the connections in flight. The first thousand show the pattern; the counts,
 * the summary and `check` stay exact, and live event streams still carry every occurrence.
 */
export const MAX_LISTED_PER_ID = 1000;

/** Build one occurrence of a catalogued anomaly. */
export function anomaly(
  id: AnomalyId, packet: number, t: number, endpoint: EndpointRole | null, text: string,
  details?: Record<string, unknown>,
): AnomalyOccurrence {
  // Each shape built whole (details only when given, as the contract has it): no shape change later.
  const severity = ANOMALIES[id].severity;
  const message = sharedMessage(text);
  return details === undefined
    ? { id, severity, packet, t, endpoint, message }
    : { id, severity, packet, t, endpoint, message, details };
}
