/**
 * Teaching text for the topics a student of TCP asks about besides ids and states: why the handshake
 * has three segments, what the SYN queue and backlog are, how a connection closes, what a capture can
 * and cannot show, retransmission, windows, options, sequence numbers, and the state machine itself.
 */
import type { CheckStep } from '../flow/anomaly-guide.js';
import type { AnomalyId } from '../flow/model.js';
import type { ExplainName, TopicId } from './explanation.js';

export interface TopicGuide {
  title: string;
  /** Other names explain takes for the topic. */
  aliases: readonly string[];
  paragraphs: readonly string[];
  check?: readonly CheckStep[];
  anomalies: readonly AnomalyId[];
  see: readonly ExplainName[];
}

export const TOPICS: Readonly<Record<TopicId, TopicGuide>> = {
  handshake: {
    title: 'The three-way handshake: why three segments and not two',
    aliases: ['three-way-handshake', '3whs', 'syn', 'syn-ack', 'open'],
    paragraphs: [
      'The handshake synchronizes both sides\' initial sequence numbers (ISN). Each side picks its own ISN and must learn that the other has received it, because every byte that follows is numbered from it. The client\'s SYN carries its ISN; the server\'s SYN-ACK acknowledges it (ISN + 1) and carries the server\'s own ISN; the client\'s ACK acknowledges that (server ISN + 1). Two SYNs and two ACKs, the middle two sharing one segment: three segments.',
      'Why not two: after a SYN and a SYN-ACK the server would not know that the client received its ISN, so it could not trust anything numbered from it. Worse, the network duplicates and delays segments: an old SYN of an earlier connection, arriving late, would make a two-way server open a connection nobody asked for. With three, the client receives a SYN-ACK acknowledging a SYN it did not send (the wrong number) and answers RST, and the server goes back to LISTEN (RFC 9293 §3.5, Figure 8). Three is the fewest segments in which both sides confirm both sequence numbers over a network that loses, duplicates and reorders.',
      'The SYN and the SYN-ACK also carry the options each side offers for the connection: MSS (the largest segment it will receive), window scale, SACK-permitted and timestamps (each in effect only when both sides offer it), and Fast Open. A SYN, like a FIN, takes one sequence number, so it is acknowledged like data.',
      'Simultaneous open: two SYNs that cross make a four-segment handshake (SYN, SYN, SYN-ACK, SYN-ACK), both sides going through SYN_RECEIVED without listening (RFC 9293 §3.5, Figure 7).',
      'What synack measures: the handshake RTT from the client\'s SYN to the ACK that completes it, split at the SYN-ACK into SYN → SYN-ACK and SYN-ACK → ACK. Where the capture was made decides which part is the network: captured at the client, SYN → SYN-ACK is the whole round trip (plus the server\'s time to answer); captured at the server, SYN-ACK → ACK is.',
    ],
    anomalies: ['syn-retransmission', 'synack-retransmission', 'lost-handshake-ack', 'handshake-refused', 'handshake-timeout', 'bad-handshake-ack', 'simultaneous-open', 'options-mismatch'],
    see: ['SYN_SENT', 'SYN_RECEIVED', 'options', 'sequence-numbers', 'syn-queue'],
  },
  'syn-queue': {
    title: 'The SYN queue, the accept queue and the backlog',
    aliases: ['backlog', 'accept-queue', 'listen-queue', 'syn-backlog', 'cookies'],
    paragraphs: [
      'A Linux listener holds two queues. The SYN queue holds requests: SYNs it answered with a SYN-ACK whose ACK has not come (SYN_RECEIVED). The accept queue holds connections whose handshake completed and that the application has not yet taken with accept(). listen(fd, backlog) sets the accept queue\'s limit (capped by net.core.somaxconn); the SYN queue is bounded by the backlog too, and by net.ipv4.tcp_max_syn_backlog.',
      'When the SYN queue is full Linux sends SYN cookies (tcp_syncookies=1, the default): it encodes the request in the SYN-ACK\'s sequence number (and the options it can keep in the timestamp), keeps nothing, and rebuilds the connection when an ACK brings the cookie back. With cookies off it drops the SYN (ListenDrops, TCPReqQFullDrop). When the accept queue is full it drops new SYNs and ignores completing ACKs (ListenOverflows), re-sending the SYN-ACK until an ACK is taken or the request expires; tcp_abort_on_overflow=1 makes it answer with a RST instead.',
      'A request lives until its ACK comes or its SYN-ACK re-sends run out: with tcp_synack_retries=5 (the default) the SYN-ACK is re-sent at 1, 3, 7, 15 and 31 s and the request dropped at 63 s. A SYN flood fills the SYN queue with requests from spoofed addresses that will never answer (RFC 4987).',
      'What synack shows from the wire alone, per listener: its queue depth over time (requests it answered statefully, from their SYN-ACK to their ACK, RST or expiry) and its peak, its stateless answers (SYN-ACKs never re-sent: cookies), the SYNs it dropped while answering others and the depth when the drops began (backlog + 1 on Linux), the requests that expired with their survival times and its re-send limit, and the handshake ACKs it ignored. The text report has a "SYN queues" section, --json each listener\'s synQueue and halfOpenSeries. The kernel\'s own view (fixtures/*.kernel.json) is what these are tested against.',
    ],
    check: [
      { command: 'ss -ltn \'sport = :PORT\'', look: 'for a listener, Recv-Q is its accept queue now and Send-Q its limit' },
      { command: 'ss -tn state syn-recv \'sport = :PORT\' | wc -l', look: 'its SYN queue now' },
      { command: 'nstat -az TcpExtListenDrops TcpExtListenOverflows TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent TcpExtSyncookiesRecv', look: 'what overflowed, and how' },
      { command: 'sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog net.core.somaxconn net.ipv4.tcp_synack_retries', look: 'the limits and policies' },
      { command: 'synack analyze CAPTURE', look: 'the "SYN queues" section' },
    ],
    anomalies: ['half-open', 'half-open-expired', 'stateless-answer', 'syn-dropped', 'accept-queue-overflow', 'syn-flood', 'syn-queue-overflow', 'syn-cookies'],
    see: ['SYN_RECEIVED', 'LISTEN', 'handshake'],
  },
  close: {
    title: 'Closing a connection: FINs, half-close, and who waits',
    aliases: ['teardown', 'four-way-close', 'fin', 'shutdown'],
    paragraphs: [
      'Each direction closes on its own. A FIN says "I will send no more" and takes one sequence number, so the peer acknowledges it. An ordinary close is four segments: FIN, its ACK, the peer\'s FIN, its ACK (the middle two often share a segment). The side that closes first goes FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT; the other CLOSE_WAIT → LAST_ACK → CLOSED.',
      'Between the two FINs the connection is half closed: the side that has not closed may still send, and shutdown(SHUT_WR) uses this on purpose. A side that never sends its FIN leaves its peer in FIN_WAIT_2 and itself in CLOSE_WAIT.',
      'FINs that cross (both sides close within a round trip) make a simultaneous close: both go through CLOSING and both end in TIME_WAIT. A RST instead of a FIN aborts: nothing is acknowledged, there is no TIME_WAIT, data not yet sent or read is thrown away.',
      'The final ACK is the one segment of the close that nothing acknowledges: when it is lost, the LAST_ACK side re-sends its FIN after a timeout, and the side in TIME_WAIT acknowledges it again (lost-final-ack).',
      'How synack reads a close: a FIN\'s sender moves when the FIN passes the capture point; its receiver moves when its own later segment shows the FIN arrived (its ACK of it, or its own FIN crossing it); an ACK of a FIN counts unless the FIN is sent again.',
    ],
    anomalies: ['lost-final-ack', 'fin-retransmission', 'half-closed', 'simultaneous-close', 'reset', 'time-wait-reuse'],
    see: ['FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'],
  },
  'capture-point': {
    title: 'What a capture can show: evidence and inference',
    aliases: ['evidence', 'inferred', 'inference', 'passive', 'vantage-point', 'lost-segments'],
    paragraphs: [
      'synack is a passive observer at one point of the path. It sees segments pass that point, never arrive: a segment that passed may still be lost before its receiver, and one lost before the point is never seen at all.',
      'So every state change rests on evidence. A change caused by the endpoint\'s own segment (it sent SYN, FIN or RST) is taken when that segment passes (evidence "sent"). A change caused by a segment it receives waits until the wire shows it arrived: the endpoint\'s own later segment answers it ("answered"), or, for an ACK of its SYN or FIN, it does not send again what the ACK covered ("not-resent"). The change is then placed at the segment that caused it.',
      'When the endpoint does send again (its SYN-ACK or FIN after an ACK of it passed), that ACK was lost after the capture point: synack lists it in lostSegments, names it in the anomaly, marks it in the ladder, and the change waits for an ACK that did arrive. Timelines only go forward.',
      'What the wire cannot show is deduced and marked inferred, with its reason: a listener (listen() sends nothing: deduced from its SYN-ACK or from its answers to others), a give-up or an expiry (a back-off that stopped: capture time passed the next copy\'s due time), TIME_WAIT\'s 2×MSL, the start of a connection picked up mid-stream (both ESTABLISHED), and a segment not captured that a later one proves (a SYN-ACK that the client\'s ACK answers).',
      'Where the capture is made matters: at the client, SYN → SYN-ACK is the network round trip; at the server, SYN-ACK → ACK is. A loss between the capture point and the receiver shows as a re-send after a segment that passed.',
    ],
    anomalies: ['lost-handshake-ack', 'lost-final-ack', 'stateless-answer', 'syn-dropped'],
    see: ['states', 'handshake', 'close'],
  },
  backoff: {
    title: 'Retransmission timeouts and back-off',
    aliases: ['rto', 'retransmission-timeout', 'timeout', 'exponential-backoff'],
    paragraphs: [
      'TCP repairs loss by sending again what was not acknowledged. A retransmission timer (RTO, RFC 6298) fires when an ACK is overdue: it is computed from the measured round trip (smoothed RTT + 4 × its variation; at least 1 s in the RFC, 200 ms on Linux) and doubles after each expiry (exponential back-off). Duplicate ACKs and SACK let a sender repair sooner: three duplicate ACKs trigger a fast retransmission (RFC 5681), and Linux also sends a tail loss probe when the last segments go unacknowledged.',
      'SYNs and SYN-ACKs come before any round trip is measured, so their timer starts at 1 s (RFC 6298 §2.1; Linux TCP_TIMEOUT_INIT) and doubles: copies at +1, +3, +7, +15 s... Linux gives up on a SYN after net.ipv4.tcp_syn_retries (6: about 127 s) and on a SYN-ACK after tcp_synack_retries (5: the request dropped at 63 s); Linux 6.x re-sends its first SYNs at 1 s without doubling (tcp_syn_linear_timeouts=4).',
      'How synack reads a back-off: it measures the waits between copies (the same ISN or sequence number) and expects the next copy one doubled wait later, plus a quarter for timer slack (Linux\'s timer wheel fires long timers up to an eighth late). When capture time passes that moment with no copy, the sender stopped: a client gave up (handshake-timeout), a server dropped the request (half-open-expired), or, for a SYN-ACK never sent again, the server kept no request (a SYN cookie). The give-up is placed at that moment; but a sender that has not shown its own timer yet may be slower than Linux (Windows re-sends its first SYN after 3 s, then 6 s), so the connection stays open until such a copy is no longer plausible, and a copy with the same ISN that comes meanwhile is one more retransmission of it, not a new connection.',
    ],
    anomalies: ['syn-retransmission', 'synack-retransmission', 'fin-retransmission', 'retransmission', 'handshake-timeout', 'half-open-expired', 'duplicate-ack'],
    see: ['capture-point', 'SYN_SENT', 'SYN_RECEIVED'],
  },
  window: {
    title: 'The receive window, window scaling and the initial window',
    aliases: ['window-scaling', 'window-scale', 'wscale', 'flow-control', 'rwnd', 'initial-window'],
    paragraphs: [
      'Every segment advertises its sender\'s receive window: how many bytes past its ACK number it is ready to take. It is flow control: a slow reader\'s window shrinks, down to zero, and the sender stops and probes until it opens (zero-window).',
      'The window field has 16 bits: at most 65,535 bytes, too little for fast, long paths. Window scaling (RFC 7323 §2) multiplies it by 2^shift: each side offers its shift in its SYN, and scaling is in effect only when both offer it. Two rules catch readers of captures: the window of a SYN or SYN-ACK is never scaled, and every window field after them is. A handshake\'s last ACK advertising 1460 with a window scale of 2 offers 1460 × 4 = 5,840 bytes.',
      'The initial window comes in whole segments: Linux rounds the window it offers down to a whole number of the segments it expects, and a segment that carries the 12-byte timestamp option carries 12 bytes less data. So a SYN-ACK answering a SYN that offered timestamps, from a server whose MSS is 1460, offers a multiple of 1448 (5,792 = 4 × 1448; 65,160 = 45 × 1448), while the client\'s SYN, sent before it knew whether the server would agree to timestamps, offers a multiple of 1460 (5,840 = 4 × 1460; 64,240 = 44 × 1460). Older kernels also capped it at 4 segments (hence 5,840 and 5,792); current ones offer what the 16-bit field holds.',
      'synack shows the window scale each side offered and whether scaling is in effect (analyze --conn); explain on a connection works out, from the bytes, what its SYN windows and its first scaled windows mean.',
    ],
    anomalies: ['zero-window', 'options-mismatch', 'keep-alive'],
    see: ['options', 'handshake'],
  },
  options: {
    title: 'TCP options: MSS, window scale, SACK, timestamps, Fast Open',
    aliases: ['mss', 'sack', 'sack-permitted', 'timestamps', 'timestamp', 'tfo', 'fast-open', 'tcp-options'],
    paragraphs: [
      'MSS (kind 2, RFC 9293 §3.7.1): the largest segment payload the sender is ready to receive. Each side announces its own in its SYN; a side that sends none is assumed to take 536 bytes (IPv4) or 1220 (IPv6). Linux derives it from the interface MTU (1500 − 40 = 1460 over IPv4). The smaller of the two is the effective MSS synack shows.',
      'Window scale (kind 3, RFC 7323 §2): a shift of 0 to 14 applied to every window field after the SYNs, in effect only when both sides offer it (see window).',
      'SACK-permitted (kind 4, RFC 2018): when both offer it, ACKs may carry SACK blocks (kind 5) listing the ranges received past a hole, so the sender re-sends only what is missing.',
      'Timestamps (kind 8, RFC 7323 §3-5): 10 bytes, 12 with their padding, in every segment once both sides offer them. TSval and TSecr give a round-trip sample per ACK and protect against old duplicates (PAWS), which is what lets Linux reuse TIME_WAIT 4-tuples. The 12 bytes come out of every segment\'s payload: with an MSS of 1460, a segment carries 1448 bytes of data.',
      'Fast Open (kind 34, RFC 7413): a cookie request in the first SYN, a cookie in the SYN-ACK; later SYNs carry the cookie and the first data, saving a round trip.',
      'synack shows what each side offered and what is in effect (analyze --conn), and raises options-mismatch when an option was offered by one side only.',
    ],
    anomalies: ['options-mismatch', 'syn-with-data', 'malformed-option'],
    see: ['window', 'handshake'],
  },
  'sequence-numbers': {
    title: 'Sequence numbers, the ISN and relative numbers',
    aliases: ['isn', 'seq', 'sequence', 'relative-sequence-numbers', 'ack-number'],
    paragraphs: [
      'TCP numbers bytes, not segments: a segment\'s sequence number is the number of its first byte, and an ACK number is the next byte expected, everything before it received. A SYN and a FIN each take one number too, which is why the SYN-ACK acknowledges ISN + 1 and the last ACK acknowledges the FIN + 1.',
      'Each side chooses its initial sequence number (ISN) so that it is hard to guess (RFC 6528): segments of an old connection on the same 4-tuple, and blind attackers, then cannot hit numbers the new connection accepts. The space has 32 bits and wraps, so numbers are compared modulo 2^32.',
      'Relative numbers (tshark\'s default, and synack\'s ladder) count from each side\'s ISN: the SYN is 0, the first data byte 1. tcpdump prints raw numbers for the SYNs and relative ones after them; -S prints raw numbers throughout.',
    ],
    anomalies: ['bad-handshake-ack', 'retransmission', 'out-of-order'],
    see: ['handshake'],
  },
  states: {
    title: 'The TCP state machine',
    aliases: ['state-machine', 'state', 'fsm', 'figure-5'],
    paragraphs: [
      'Each endpoint of a connection runs its own state machine (RFC 9293 §3.3.2): eleven states. synack keeps one timeline per endpoint, built from what passes the capture point; the connection\'s verdicts (handshake outcome, close kind, Zeek conn_state) are derived from the two.',
      'Every arc synack can put in a timeline is in its state table (src/flow/state-table.ts, printed in the README\'s state machine section): the arcs of the RFC\'s diagram (Figure 5) and the resets and timeouts its text adds. Each arc carries its RFC section and the evidence rule that shows it on the wire; `synack explain STATE` lists a state\'s arcs in and out.',
    ],
    anomalies: [],
    see: ['capture-point', 'handshake', 'close'],
  },
};
