/**
 * The anomaly catalogue's teaching half: for every id, how synack detects it (the rule the flow stage
 * runs and the evidence it rests on), its common causes, what to check next and which ids to read
 * with it. anomalies.ts joins it to severity, meaning and reference, so `synack explain <id>`,
 * `synack anomalies --json` and the HTML report read the same text. A rule changed in the flow stage
 * is changed here too: test/explain/catalogue.test.ts holds the texts to the fixtures that raise them.
 *
 * In `check` commands CAPTURE stands for the capture file, N for a connection id, PORT for the
 * server's port, IFACE for a network interface, ADDRESS for the server's address, FRAME for a packet
 * number (CHECK_PLACEHOLDERS).
 */
import type { AnomalyId } from './model.js';

/** Where in a connection's life an anomaly belongs (the catalogue's groups). */
export type AnomalyPhase = 'handshake' | 'teardown' | 'data' | 'capture' | 'malformed' | 'listener';

export interface CheckStep {
  /** A command to run (synack's own, or the host's: ss, nstat, sysctl, tcpdump, tshark...). */
  command: string;
  /** What to look for in its output. */
  look: string;
}

export interface AnomalyGuide {
  phase: AnomalyPhase;
  /** How synack detects it: the rule and the evidence it rests on. */
  detection: string;
  /** Common causes, the likeliest first. */
  causes: readonly string[];
  /** What to check next. */
  check: readonly CheckStep[];
  /** Ids to read with this one. */
  related: readonly AnomalyId[];
}

/** The words that stand for the reader's own values in `check` commands, and what they stand for. */
export const CHECK_PLACEHOLDERS: Readonly<Record<string, string>> = {
  CAPTURE: 'the capture file', N: 'a connection id', PORT: 'the server\'s port', IFACE: 'a network interface',
  ADDRESS: 'the server\'s address', FRAME: 'a packet number',
};

const detail = (id: AnomalyId): CheckStep => ({
  command: `synack analyze CAPTURE --anomaly ${id} --detail`,
  look: 'each affected connection: both timelines, the anomaly\'s packet and details, the ladder',
});

const NSTAT_LISTEN = 'nstat -az TcpExtListenDrops TcpExtListenOverflows TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent';
const SS_LISTEN: CheckStep = {
  command: 'ss -ltn \'sport = :PORT\'',
  look: 'on the server: for a listener Recv-Q is the accept queue (connections not yet accept()ed), Send-Q its limit (the backlog)',
};
const SYSCTL_QUEUE: CheckStep = {
  command: 'sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog net.core.somaxconn net.ipv4.tcp_synack_retries',
  look: 'the server\'s SYN-queue settings: cookies on (1) or off (0), the queue limits, how often a SYN-ACK is re-sent',
};
const SYN_QUEUES: CheckStep = {
  command: 'synack analyze CAPTURE',
  look: 'the "SYN queues" section: per listener its queue peak and when, stateless answers, drops and the depth they began at, survival times, re-send limit',
};

export const ANOMALY_GUIDE: Readonly<Record<AnomalyId, AnomalyGuide>> = {
  // --- handshake ---
  'syn-retransmission': {
    phase: 'handshake',
    detection: 'A SYN (no ACK) from the client with the same ISN as its first SYN is a copy of it, not a new connection (a different ISN starts a new one). Each copy is one occurrence, with the wait since the previous copy (details.interval, details.attempt, details.intervals). The waits show the client\'s back-off: RFC 6298 and Linux start at 1 s and double; Linux 6.x re-sends its first few SYNs at 1 s (tcp_syn_linear_timeouts).',
    causes: [
      'the SYN was lost on the way to the server, or the SYN-ACK on the way back',
      'a firewall on the path silently drops the SYN (a DROP rule rather than REJECT)',
      'the server\'s listener dropped it: its SYN queue or accept queue was full (see syn-dropped)',
      'the server answered later than the client\'s 1 s timeout (a slow or overloaded host, a long path)',
    ],
    check: [
      detail('syn-retransmission'),
      { command: 'tcpdump -ni IFACE \'tcp[tcpflags] & tcp-syn != 0 and port PORT\'', look: 'on the server: do the SYNs arrive? A SYN that never arrives was lost before it' },
      { command: NSTAT_LISTEN, look: 'on the server: counters that grow while SYNs go unanswered mean the listener dropped them' },
      SS_LISTEN,
    ],
    related: ['syn-dropped', 'handshake-timeout', 'syn-unanswered', 'synack-retransmission'],
  },
  'synack-retransmission': {
    phase: 'handshake',
    detection: 'A SYN-ACK from the server with the same ISN as its first SYN-ACK is a copy. The server re-sends it when its timer fires without the handshake\'s ACK: 1 s, then doubling, up to tcp_synack_retries copies on Linux (default 5). A re-sent SYN-ACK also shows that the server kept the request in its SYN queue (a stateful answer, not a SYN cookie). When the client\'s ACK had passed the capture point before the copy, that ACK was lost after it: lost-handshake-ack.',
    causes: [
      'the client\'s ACK was lost on the way to the server',
      'the SYN-ACK never reached the client (lost, or the SYN came from a spoofed address: a SYN flood)',
      'the server ignored the ACK because its accept queue was full (see accept-queue-overflow)',
      'the client went away between its SYN and the SYN-ACK',
    ],
    check: [
      detail('synack-retransmission'),
      { command: 'ss -tn state syn-recv \'sport = :PORT\'', look: 'on the server: requests waiting for their ACK right now' },
      { command: 'nstat -az TcpExtTCPSynRetrans TcpExtListenOverflows', look: 'on the server: SYN and SYN-ACK re-sends; overflows mean ACKs ignored for a full accept queue' },
      SYN_QUEUES,
    ],
    related: ['lost-handshake-ack', 'half-open', 'half-open-expired', 'accept-queue-overflow', 'stateless-answer'],
  },
  'lost-handshake-ack': {
    phase: 'handshake',
    detection: 'Three cases (details.case). synack-after-ack: the client\'s ACK of the SYN-ACK passed the capture point, then the server sent its SYN-ACK again: the server never got that ACK, so it was lost after the capture point (details.lostPacket; listed in lostSegments and marked in the ladder), and the server\'s SYN_RECEIVED → ESTABLISHED waits for an ACK that did arrive. completed-after-synack-retransmission: the handshake completed only after the server had re-sent its SYN-ACK (its first answer or the first ACK was lost before the capture point, or not captured). acks-ignored: the server re-sent its SYN-ACK after two or more of the client\'s ACKs and then fell silent (it dropped the request) while its listener held no completed connection: the ACKs were lost on the way to it (with completed connections the same pattern is accept-queue-overflow).',
    causes: [
      'loss between the capture point and the server (the capture was made on the client\'s side)',
      'a firewall or connection tracker between them dropping the ACK (its state out of step with the endpoints)',
      'the first SYN-ACK was lost before the capture point, or the capture missed the first ACK',
    ],
    check: [
      detail('lost-handshake-ack'),
      { command: 'tcpdump -ni IFACE \'port PORT\' -w server-side.pcap', look: 'a capture at the server: does the ACK arrive there?' },
      { command: 'conntrack -S', look: 'on a Linux firewall in between: drop and invalid counters growing' },
      { command: 'nstat -az TcpExtTCPSynRetrans', look: 'on the server: SYN-ACK re-sends' },
      { command: 'synack analyze CAPTURE --conn N', look: 'the delay the loss added to the first request: the server answers it only once an ACK arrives (one SYN-ACK timeout, 1 s on Linux, or more)' },
    ],
    related: ['synack-retransmission', 'accept-queue-overflow', 'half-open-expired', 'lost-final-ack'],
  },
  'handshake-refused': {
    phase: 'handshake',
    detection: 'The server answered the client\'s SYN with a RST (usually RST+ACK acknowledging the SYN) before any SYN-ACK. RFC 9293 §3.10.7.1: a segment to a CLOSED port draws a RST. The server has no transition (it was CLOSED and stays so), the client goes SYN_SENT → CLOSED (received RST), and the listener\'s refused count goes up. A listener whose queues are full does not refuse: it drops (syn-dropped).',
    causes: [
      'nothing listens on that port (the service is down or restarting, a wrong port or host)',
      'the service listens on another address (only 127.0.0.1, only IPv4 or only IPv6)',
      'a firewall rule rejecting with a TCP reset (nftables/iptables reject with tcp reset)',
      'a load balancer or proxy with no healthy backend answering for it',
    ],
    check: [
      { command: 'ss -ltnp \'sport = :PORT\'', look: 'on the server: is anything listening on that port, and on which address?' },
      { command: 'nft list ruleset | grep -i reject', look: 'a rule that answers with a reset' },
      { command: 'synack analyze CAPTURE', look: 'the refused column of the listeners table: which ports refuse, how often' },
    ],
    related: ['reset', 'handshake-timeout', 'syn-retransmission', 'syn-dropped'],
  },
  'half-open': {
    phase: 'handshake',
    detection: 'When the connection is reported (end of input, idle timeout) the server is still in SYN_RECEIVED holding the request in its SYN queue: it answered statefully (its SYN-ACK was re-sent, or the capture ended while its listener was answering statefully), no ACK from the client reached it, and the capture ended before its SYN-ACK back-off ran out. A request whose back-off did run out is half-open-expired; an answer never re-sent past its first re-send time is stateless-answer.',
    causes: [
      'spoofed SYNs (a SYN flood): the SYN-ACKs go to addresses that never answer',
      'the client\'s ACK was lost, or the client went away',
      'the capture ended soon after the SYN-ACK',
      'asymmetric routing: the client\'s ACK takes a path the capture does not see',
    ],
    check: [
      SYN_QUEUES,
      { command: 'ss -tn state syn-recv \'sport = :PORT\' | wc -l', look: 'on the server: requests in its SYN queue now' },
      { command: NSTAT_LISTEN, look: 'on the server: drops and cookies mean the queue filled' },
      SYSCTL_QUEUE,
    ],
    related: ['half-open-expired', 'syn-flood', 'synack-retransmission', 'stateless-answer', 'syn-queue-overflow'],
  },
  'simultaneous-open': {
    phase: 'handshake',
    detection: 'Both endpoints sent a SYN without ACK on the same 4-tuple, the second before any SYN-ACK (RFC 9293 §3.5, Figure 7). Each side\'s SYN-ACK (its own ISN again, now acknowledging the peer\'s SYN) shows the peer\'s SYN reached it: both go CLOSED → SYN_SENT → SYN_RECEIVED → ESTABLISHED, and neither listens. Raised once, at the second SYN.',
    causes: [
      'TCP hole punching through NATs (peer-to-peer programs connect to each other at once)',
      'two programs that bind fixed ports and connect to each other (tests, some cluster protocols)',
      'a TCP self-connect: a client connecting to a port in its own ephemeral range on the same host',
    ],
    check: [
      { command: 'synack analyze CAPTURE --conn N', look: 'both timelines: each side goes SYN_SENT → SYN_RECEIVED → ESTABLISHED' },
      { command: 'sysctl net.ipv4.ip_local_port_range', look: 'a connection from a port to the same port on the same host is a self-connect' },
    ],
    related: ['simultaneous-close', 'syn-retransmission'],
  },
  'bad-handshake-ack': {
    phase: 'handshake',
    detection: 'Two checks. The first SYN-ACK must acknowledge the client\'s ISN + 1 (or ISN + 1 + the data, when the SYN carried Fast Open data the server took). The client\'s first ACK after the SYN-ACK must acknowledge at least the server\'s ISN + 1. details.expected and details.got hold the numbers (raw, not relative).',
    causes: [
      'a middlebox rewriting sequence numbers in one direction only (sequence-number randomisation on a firewall, a NAT bug)',
      'a SYN-ACK answering an older SYN on the same 4-tuple (a stale answer after port reuse)',
      'a spoofed or injected SYN-ACK (backscatter of someone else\'s flood)',
      'two captures merged, or a capture with NAT on one side of the capture point',
    ],
    check: [
      detail('bad-handshake-ack'),
      { command: 'tshark -r CAPTURE -o tcp.relative_sequence_numbers:FALSE -Y \'tcp.flags.syn==1\' -T fields -e frame.number -e tcp.seq -e tcp.ack', look: 'the raw numbers of every SYN and SYN-ACK' },
      { command: 'tcpdump -ni IFACE -S \'port PORT\'', look: 'captures on both sides of a middlebox (-S: absolute numbers): does one of them rewrite seq/ack?' },
    ],
    related: ['time-wait-reuse', 'syn-retransmission', 'invalid-flags'],
  },
  'syn-with-data': {
    phase: 'handshake',
    detection: 'A SYN or SYN-ACK carrying payload (IP length beyond the TCP header); each re-sent SYN with data too. With a TCP Fast Open option it is TFO (RFC 7413): a client holding a cookie sends its request in the SYN, and a server that takes it acknowledges SYN + data in its SYN-ACK (details.fastOpen). Without TFO it is unusual: RFC 9293 allows data on a SYN, but the receiver holds it until the handshake completes.',
    causes: [
      'TCP Fast Open (net.ipv4.tcp_fastopen; MSG_FASTOPEN or TCP_FASTOPEN_CONNECT on the client, TCP_FASTOPEN on the listener)',
      'scanners and OS fingerprinting tools',
      'crafted segments',
    ],
    check: [
      { command: 'synack analyze CAPTURE --conn N', look: 'the TCP Fast Open row of the options table: a cookie request or a cookie' },
      { command: 'nstat -az TcpExtTCPFastOpenActive TcpExtTCPFastOpenPassive TcpExtTCPFastOpenPassiveFail TcpExtTCPFastOpenCookieReqd', look: 'TFO taken, refused or cookies requested' },
      { command: 'sysctl net.ipv4.tcp_fastopen', look: '1: client, 2: server, 3: both' },
    ],
    related: ['data-before-handshake', 'options-mismatch'],
  },
  'options-mismatch': {
    phase: 'handshake',
    detection: 'Once both the SYN and the SYN-ACK are seen, window scale, SACK-permitted and timestamps are compared: an option offered by one side only is not in effect (RFC 7323 §1.3 and §2.2, RFC 2018 §2). One occurrence per option, naming who offered it (details.option, details.offeredBy).',
    causes: [
      'the feature is off on one side (net.ipv4.tcp_window_scaling, tcp_sack or tcp_timestamps = 0)',
      'a firewall, load balancer or NAT that strips options from the SYN or SYN-ACK',
      'a SYN cookie: Linux answering a SYN without timestamps with a cookie cannot remember window scale or SACK, and its SYN-ACK offers MSS only',
    ],
    check: [
      { command: 'synack analyze CAPTURE --conn N', look: 'the options table: what each side offered, and what is in effect' },
      { command: 'sysctl net.ipv4.tcp_window_scaling net.ipv4.tcp_sack net.ipv4.tcp_timestamps', look: 'on both hosts; without window scaling a window is at most 64 KB, which caps throughput on long fast paths' },
      { command: 'tcpdump -ni IFACE -v \'tcp[tcpflags] & tcp-syn != 0\'', look: 'captures on both sides of a middlebox: are options removed in between?' },
    ],
    related: ['stateless-answer', 'syn-cookies'],
  },
  'handshake-timeout': {
    phase: 'handshake',
    detection: 'The client\'s SYN got no answer (no SYN-ACK, no RST) and it stopped re-sending: after its latest copy, capture time passed the moment the next copy was due (twice its latest wait, plus a quarter for timer slack) with none. The client then goes SYN_SENT → CLOSED (give up, inferred, placed at that due time). The due time is Linux\'s; until the client has shown its own timer (a copy at least 0.5 s after the one before), the give-up is decided only once a copy from the slowest sender is no longer plausible (Windows re-sends its first SYN after 3 s: 3.75 s after the latest copy), so a late copy with the same ISN is one more syn-retransmission of this connection and its interval sets the next wait. Raised only when the SYN had been re-sent at least once (details.syns, details.waited); before the due time, or for a SYN never re-sent, it is syn-unanswered.',
    causes: [
      'the host is down or unreachable, and no ICMP error comes back',
      'a firewall silently dropping the SYNs',
      'a wrong address, or a routing black hole',
      'the listener dropping every SYN (full queues: syn-dropped on that listener)',
      'the SYN-ACKs lost on the way back (asymmetric routing)',
    ],
    check: [
      detail('handshake-timeout'),
      { command: 'tcpdump -ni IFACE \'port PORT\'', look: 'on the server: do the SYNs arrive? Does it answer?' },
      { command: 'ip route get ADDRESS', look: 'on the client: the route the SYNs take' },
      { command: 'sysctl net.ipv4.tcp_syn_retries', look: 'the client\'s budget: 6 means giving up after about 127 s' },
    ],
    related: ['syn-retransmission', 'syn-unanswered', 'syn-dropped', 'handshake-refused'],
  },
  'syn-unanswered': {
    phase: 'handshake',
    detection: 'The SYN had no answer when the connection was reported, and no give-up was seen: the capture (or the idle timeout) ended before the client\'s next copy was due (details.nextDue). Also raised for a SYN never re-sent although its first re-send time passed (details.resent false; while the capture goes on, no copy came within Windows\' 3 s either, else it would be a syn-retransmission of this connection): a real client re-sends, so this is a probe or a spoofed source. Zeek calls both S0.',
    causes: [
      'the capture ended too soon after the SYN',
      'a port scan (one SYN per port, never repeated)',
      'a spoofed source, or a client that gave up early on purpose',
    ],
    check: [
      detail('syn-unanswered'),
      { command: 'synack analyze CAPTURE --json | jq \'[.connections[] | select(.anomalies[].id == "syn-unanswered") | .server.port] | unique | length\'', look: 'many ports from one source is a scan' },
      { command: 'tcpdump -ni IFACE -c 100 \'tcp[tcpflags] == tcp-syn\'', look: 'capture longer to see whether the client re-sends' },
    ],
    related: ['handshake-timeout', 'syn-retransmission', 'syn-dropped'],
  },
  'stateless-answer': {
    phase: 'handshake',
    detection: 'The server\'s first SYN-ACK was never re-sent although capture time passed its first re-send time (1 s plus slack), with no ACK before: the server kept no request, the answer was a SYN cookie (RFC 4987 §3.6), and the server stays LISTEN. An ACK that completes the handshake later rebuilds the connection: the server\'s LISTEN → SYN_RECEIVED is placed at that ACK (inferred: "connection rebuilt from the SYN cookie"). An ACK that came before the first re-send was due tells nothing by itself: the answer is taken as queued unless the listener was answering statelessly around then, and is then revised to a cookie (details.completed, details.ackPacket).',
    causes: [
      'the listener\'s SYN queue was full with net.ipv4.tcp_syncookies=1 (the default): a SYN flood or a burst of connections',
      'net.ipv4.tcp_syncookies=2: cookies for every SYN',
      'a server with tcp_synack_retries=0 never re-sends, so its stateful answers look the same from the wire',
    ],
    check: [
      { command: 'nstat -az TcpExtSyncookiesSent TcpExtSyncookiesRecv TcpExtSyncookiesFailed TcpExtTCPReqQFullDoCookies', look: 'on the server: cookies sent, and completed or rejected' },
      { command: 'dmesg | grep -i \'SYN flooding\'', look: 'Linux logs "Possible SYN flooding on port PORT. Sending cookies." once per listener' },
      SYN_QUEUES,
      SYSCTL_QUEUE,
    ],
    related: ['syn-cookies', 'syn-flood', 'half-open', 'syn-queue-overflow', 'options-mismatch'],
  },
  'syn-dropped': {
    phase: 'handshake',
    detection: 'When the connection is reported, its SYN (and any copies) got neither a SYN-ACK nor a RST while the same listener had answered other SYNs by then: the listener dropped this one. The server\'s CLOSED → LISTEN is inferred from those other answers; details.syns counts the copies. The listener\'s first drop also raises syn-queue-overflow.',
    causes: [
      'the SYN queue was full and SYN cookies were off (tcp_syncookies=0), or the queue\'s last quarter was kept for peers already proven',
      'the accept queue was full: Linux drops new SYNs while the application is not accepting',
      'a SYN flood on the same listener',
    ],
    check: [
      { command: NSTAT_LISTEN, look: 'on the server: ListenDrops and TCPReqQFullDrop count exactly these' },
      SS_LISTEN,
      SYN_QUEUES,
    ],
    related: ['syn-queue-overflow', 'accept-queue-overflow', 'syn-retransmission', 'handshake-timeout'],
  },
  'accept-queue-overflow': {
    phase: 'handshake',
    detection: 'The server ignored the client\'s handshake ACKs: it re-sent its SYN-ACK after client ACKs had passed, twice or more (each of those ACKs marked lost), then fell silent past its next re-send time (it dropped the request), while its listener held completed connections (details.case acks-ignored; without completed connections the same pattern is lost-handshake-ack). Linux keeps the request in its SYN queue and ignores the ACK when the accept queue is full (ListenOverflows), re-sending its SYN-ACK until tcp_synack_retries runs out. details.ignored and details.lostPackets; the listener counts them (synQueue.acceptOverflows).',
    causes: [
      'the application is not calling accept() (stuck, overloaded, blocked on something else)',
      'a listen() backlog too small for the rate of new connections, or net.core.somaxconn capping it',
    ],
    check: [
      SS_LISTEN,
      { command: 'nstat -az TcpExtListenOverflows TcpExtListenDrops', look: 'on the server: overflows count ACKs ignored for a full accept queue' },
      { command: 'sysctl net.core.somaxconn net.ipv4.tcp_abort_on_overflow', look: 'the cap on any backlog; 1 makes Linux answer with RST instead of ignoring' },
    ],
    related: ['syn-dropped', 'lost-handshake-ack', 'synack-retransmission', 'half-open-expired'],
  },
  'half-open-expired': {
    phase: 'handshake',
    detection: 'A request the server kept got no ACK: the server re-sent its SYN-ACK with doubling waits, and after its last copy capture time passed the next copy\'s due time (its base wait doubled once per copy, plus a quarter for timer slack) with none. The server gave up then: SYN_RECEIVED → CLOSED (inferred, placed at that due time). When its copies showed no timer (only copies milliseconds apart, such as a frame captured twice), the expiry is decided only once a copy from the slowest sender (3 s, or twice its latest interval) is no longer plausible, so a late copy stays a synack-retransmission of this connection. details.survived is the time from its first SYN-ACK to then, details.resends and details.intervals the back-off; the listener keeps the re-send limit (Linux tcp_synack_retries) and the survival times.',
    causes: [
      'a spoofed SYN source (a SYN flood)',
      'the client\'s ACKs were lost, or the client went away',
      'a full accept queue made the server ignore the ACKs (see accept-queue-overflow)',
    ],
    check: [
      SYN_QUEUES,
      { command: 'sysctl net.ipv4.tcp_synack_retries', look: '5 (the default) keeps a request 63 s; 2 keeps it 7 s' },
      { command: 'nstat -az TcpExtTCPSynRetrans', look: 'on the server: SYN-ACK re-sends' },
    ],
    related: ['half-open', 'synack-retransmission', 'syn-flood', 'accept-queue-overflow'],
  },
  // --- teardown ---
  'simultaneous-close': {
    phase: 'teardown',
    detection: 'An endpoint\'s FIN left before the peer\'s FIN reached it: its FIN does not acknowledge the peer\'s FIN that passed the capture point before it. The FINs crossed (RFC 9293 §3.6, Figure 13): that side goes FIN_WAIT_1 → CLOSING (the peer\'s FIN placed right after its own) → TIME_WAIT. Raised once when the connection is reported, naming the sides that went through CLOSING (details.closing).',
    causes: [
      'both applications close at about the same time (both know where the exchange ends)',
      'a long round trip, which widens the window in which FINs can cross',
    ],
    check: [
      { command: 'synack analyze CAPTURE --conn N', look: 'both timelines through CLOSING, and both ending in TIME_WAIT' },
      { command: 'ss -tan state time-wait', look: 'on both hosts: each keeps the 4-tuple in TIME_WAIT' },
    ],
    related: ['lost-final-ack', 'fin-retransmission', 'simultaneous-open', 'time-wait-reuse'],
  },
  'lost-final-ack': {
    phase: 'teardown',
    detection: 'Three cases (details.case). fin-resent-after-ack: the side in LAST_ACK sent its FIN again (same sequence number) after an ACK of it had passed the capture point, so that ACK never reached it: lost after the capture point (details.lostPacket; listed in lostSegments, marked in the ladder). An ACK of a FIN counts as arrived unless the FIN\'s sender re-sends the FIN within the longest of 1.5 s, 2.5 × its latest FIN re-send interval and three handshake round trips + 0.2 s. fin-resent-in-last-ack: it re-sent its FIN from LAST_ACK and no ACK of it had been seen: the final ACK never arrived. fin-never-acked: when the connection is reported both FINs were sent and one was never acknowledged (the message names the state that side was left in). The LAST_ACK side goes LAST_ACK → CLOSED once, at the ACK that reached it.',
    causes: [
      'loss between the capture point and the LAST_ACK side (the final ACK is never acknowledged, so only the FIN\'s re-send repairs it)',
      'a firewall or connection tracker that forgets the connection after the FINs and drops the last ACK',
      'the TIME_WAIT side went away (a crash, or a RST), or the capture ended before the ACK',
    ],
    check: [
      detail('lost-final-ack'),
      { command: 'ss -tan state last-ack', look: 'on the server: sockets waiting for their last ACK' },
      { command: 'nstat -az TcpExtTCPTimeouts TcpRetransSegs', look: 'on the LAST_ACK side: its FIN re-sends count here' },
      { command: 'conntrack -L -p tcp --dport PORT', look: 'on a Linux firewall in between: is the entry gone (or in CLOSE) before the last ACK?' },
    ],
    related: ['fin-retransmission', 'lost-handshake-ack', 'simultaneous-close', 'half-closed'],
  },
  'fin-retransmission': {
    phase: 'teardown',
    detection: 'A FIN at the same sequence number as the endpoint\'s first FIN (sequence + payload = the FIN\'s): sent again because its timer fired before the sender saw the FIN acknowledged. Each copy after the first is one occurrence (details.count; details.lostPacket when an ACK of the FIN had passed and is now known lost). A copy from LAST_ACK also raises lost-final-ack.',
    causes: [
      'the FIN was lost, or the ACK of it (see lost-final-ack)',
      'the peer is slow or gone',
    ],
    check: [
      detail('fin-retransmission'),
      { command: 'ss -tin state last-ack', look: 'on the sender: rto, retrans of the sockets still closing' },
    ],
    related: ['lost-final-ack', 'retransmission', 'half-closed'],
  },
  'reset': {
    phase: 'teardown',
    detection: 'A segment with RST that is not the refusal of a SYN: the first RST of each side raises it, with the state the sender was in and its peer\'s (details.state, details.peerState). The sender goes to CLOSED (send RST), the receiver too (receive RST; a server in SYN_RECEIVED goes back to LISTEN). Nothing acknowledges or re-sends a RST, so it is taken as it passes. Zeek: RSTO, RSTR.',
    causes: [
      'the application aborted: close() with SO_LINGER 0, or close() with unread data in its receive buffer (Linux then sends RST, not FIN)',
      'a segment for a connection the host no longer has (after a restart, a crash or TIME_WAIT)',
      'a firewall, IPS or load balancer injecting RSTs (idle timeouts, policy)',
      'tcp_abort_on_overflow=1 with a full accept queue',
    ],
    check: [
      detail('reset'),
      { command: 'nstat -az TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpExtTCPAbortOnLinger TcpExtTCPAbortOnTimeout TcpOutRsts', look: 'on the host that reset: why its stack aborted' },
      { command: 'tshark -r CAPTURE -Y tcp.flags.reset==1 -T fields -e frame.number -e ip.src -e ip.ttl', look: 'a RST whose IP TTL differs from the same host\'s other packets was injected by something in between' },
    ],
    related: ['handshake-refused', 'half-closed', 'time-wait-reuse'],
  },
  'half-closed': {
    phase: 'teardown',
    detection: 'When the connection is reported with no RST: one side sent a FIN and the other never sent its own (details.closedBy, details.openState). A half-close is legal (RFC 9293 §3.6: shutdown(SHUT_WR)), but it is also what a peer that never closes, or a capture that ended first, looks like. Zeek S2/S3.',
    causes: [
      'the capture ended before the other side closed',
      'an application stuck in CLOSE_WAIT: it got the FIN and never calls close()',
      'a protocol that half-closes on purpose (the request side shuts down writing)',
    ],
    check: [
      { command: 'ss -tan state close-wait', look: 'on the side that did not close: sockets piling up in CLOSE_WAIT are an application that never closes' },
      detail('half-closed'),
    ],
    related: ['lost-final-ack', 'fin-retransmission', 'reset'],
  },
  'time-wait-reuse': {
    phase: 'teardown',
    detection: 'A new SYN (another ISN) on a 4-tuple whose previous connection had closed (finished, or begun its TIME_WAIT) less than 2×MSL earlier (--msl, default 30 s: 60 s). details.previousConnection, details.sinceClose, details.twoMsl. A connection reported early to bound memory leaves a small tombstone, so reuse is seen after it too.',
    causes: [
      'a client reusing a fixed source port (bind with SO_REUSEADDR)',
      'many short connections to one server port: Linux reuses TIME_WAIT 4-tuples for connect() with net.ipv4.tcp_tw_reuse when timestamps let it tell old segments apart',
      'a NAT mapping many clients onto few ports',
    ],
    check: [
      detail('time-wait-reuse'),
      { command: 'ss -tan state time-wait | wc -l', look: 'how many 4-tuples sit in TIME_WAIT' },
      { command: 'sysctl net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range', look: 'reuse policy and the ephemeral ports available' },
    ],
    related: ['reset', 'bad-handshake-ack'],
  },
  // --- data phase ---
  'retransmission': {
    phase: 'data',
    detection: 'A segment carrying data or a FIN that starts below the sender\'s next sequence number (the highest end it has sent), is not a keep-alive, and comes more than the out-of-order threshold (one handshake RTT, 3 ms without one) after the sender last advanced. When the receiver had sent two or more duplicate ACKs asking for exactly this sequence number it is a fast retransmission (details.fast), whatever the time. The same FIN sent again is fin-retransmission instead.',
    causes: [
      'loss after the sender (the retransmission timer or duplicate ACKs repaired it)',
      'a delay spike: the timer fired before the ACK came (a spurious retransmission)',
      'Linux\'s tail loss probe re-sending the last segment',
    ],
    check: [
      detail('retransmission'),
      { command: 'nstat -az TcpRetransSegs TcpExtTCPLostRetransmit TcpExtTCPSpuriousRTOs TcpExtTCPLossProbes', look: 'on the sender' },
      { command: 'ss -tin \'dport = :PORT\'', look: 'on the sender: rtt, rto, retrans per socket' },
      { command: 'synack analyze CAPTURE --conn N', look: 'the ladder: a first copy in the capture was lost after the capture point; none, before it' },
    ],
    related: ['duplicate-ack', 'out-of-order', 'fin-retransmission'],
  },
  'out-of-order': {
    phase: 'data',
    detection: 'A segment with data starting below the sender\'s next sequence number, sooner than the out-of-order threshold after the sender last advanced: one handshake RTT, or 3 ms (Wireshark\'s default) when no RTT is known. Too soon to be a retransmission, so it was reordered.',
    causes: [
      'reordering on the path (parallel links, ECMP, link aggregation, multi-queue NICs)',
      'a capture merged from several interfaces',
      'a retransmission faster than the RTT estimate (a tail loss probe on a short path)',
    ],
    check: [
      detail('out-of-order'),
      { command: 'nstat -az TcpExtTCPOFOQueue TcpExtTCPSACKReorder', look: 'on the receiver: segments queued out of order, reordering seen through SACK' },
    ],
    related: ['retransmission', 'duplicate-ack'],
  },
  'duplicate-ack': {
    phase: 'data',
    detection: 'A pure ACK (no data, no SYN, FIN or RST) repeating the sender\'s previous ACK number and its window (not zero), at its next sequence number, while the peer has data outstanding beyond that ACK. details.count numbers the duplicates in a row; two or more before the asked-for segment comes make its re-send a fast retransmission.',
    causes: [
      'a segment was lost or reordered: the receiver got data past a hole and asks again for the hole (its SACK blocks say what it has)',
    ],
    check: [
      detail('duplicate-ack'),
      { command: 'nstat -az TcpExtTCPFastRetrans TcpExtTCPSACKRecv', look: 'on the sender: fast retransmissions the duplicates led to' },
    ],
    related: ['retransmission', 'out-of-order'],
  },
  'zero-window': {
    phase: 'data',
    detection: 'A segment without SYN, FIN or RST advertising a window of 0: raised when an endpoint\'s window drops to 0, once per stall (a window above 0 ends it).',
    causes: [
      'the receiving application does not read (slow, blocked, or waiting on something else)',
      'a small receive buffer for the rate (SO_RCVBUF, net.ipv4.tcp_rmem)',
      'memory pressure on the receiver',
    ],
    check: [
      { command: 'ss -tm \'sport = :PORT\'', look: 'on the receiver: Recv-Q (bytes not read yet) and the socket\'s memory' },
      { command: 'nstat -az TcpExtTCPToZeroWindowAdv TcpExtTCPFromZeroWindowAdv TcpExtTCPZeroWindowDrop', look: 'on the receiver: windows closed and reopened' },
      detail('zero-window'),
    ],
    related: ['keep-alive', 'retransmission'],
  },
  'keep-alive': {
    phase: 'data',
    detection: 'An ACK segment with at most one byte and no FIN whose sequence number is one below the sender\'s next sequence number (RFC 1122 §4.2.3.6): a probe that asks the peer to answer with an ACK. Linux\'s zero-window probes have the same form.',
    causes: [
      'SO_KEEPALIVE on an idle connection (Linux: tcp_keepalive_time 7200 s, then every tcp_keepalive_intvl 75 s, up to tcp_keepalive_probes 9)',
      'probing of a zero window',
    ],
    check: [
      detail('keep-alive'),
      { command: 'ss -to \'dport = :PORT\'', look: 'timer:(keepalive,...) on the sending socket; probes left unanswered mean the peer or the path is gone' },
      { command: 'sysctl net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes', look: 'the defaults a socket uses unless it sets its own' },
    ],
    related: ['zero-window', 'duplicate-ack'],
  },
  'keep-alive-ack': {
    phase: 'data',
    detection: 'A pure ACK that answers a keep-alive probe of the other side (Wireshark\'s keep-alive ACK): no data, no SYN, FIN or RST, the same acknowledgement number and window as the sender\'s previous ACK, right after the peer\'s probe (one byte below its next sequence number). Labelled instead of duplicate-ack, so keep-alives do not read as loss.',
    causes: [
      'the peer is alive and answered the keep-alive probe: normal on an idle connection with SO_KEEPALIVE on',
    ],
    check: [
      detail('keep-alive-ack'),
      { command: 'ss -to \'dport = :PORT\'', look: 'timer:(keepalive,...): a probe without this answer is the one to look at (peer gone, path broken, a firewall that forgot the connection)' },
    ],
    related: ['keep-alive', 'duplicate-ack'],
  },
  'window-update': {
    phase: 'data',
    detection: 'A pure ACK (no data, no SYN, FIN or RST) whose acknowledgement number equals the sender\'s previous one and whose window differs from it, and is not zero (Wireshark\'s window update). It is not a duplicate ACK: the window moved, so the receiver freed (or took back) room.',
    causes: [
      'the receiving application read data and the receiver announced the room it freed, often after a small or zero window',
      'the receiver\'s buffer auto-tuning grew the window',
    ],
    check: [
      detail('window-update'),
      { command: 'synack analyze CAPTURE --anomaly zero-window', look: 'many window updates after zero windows mean a slow reader' },
    ],
    related: ['zero-window', 'window-full'],
  },
  'window-full': {
    phase: 'data',
    detection: 'A data segment whose last byte reaches the right edge of the window the receiver last advertised (its ACK number plus its window, scaled when both sides offered window scaling): the sender may send nothing more until the receiver acknowledges or opens the window (Wireshark\'s window full).',
    causes: [
      'the receiver (its buffer or its application) limits the transfer, not the network',
      'a small receive buffer (SO_RCVBUF, tcp_rmem) for the path\'s bandwidth-delay product',
      'window scaling not in effect (one side did not offer it, or a middlebox stripped the option): a window of at most 64 KiB',
    ],
    check: [
      detail('window-full'),
      { command: 'synack analyze CAPTURE --conn N', look: 'the negotiated options: window scaling on both sides, and the window the receiver advertised' },
      { command: 'sysctl net.ipv4.tcp_rmem net.core.rmem_max', look: 'on the receiver: the receive buffer limits' },
    ],
    related: ['zero-window', 'window-update', 'options-mismatch'],
  },
  'zero-window-probe': {
    phase: 'data',
    detection: 'While the receiver advertises a zero window, a segment from the sender of one new byte at the sender\'s next sequence number, or (as Linux sends its probes) of no data one below it (Wireshark\'s zero-window probe). Labelled instead of retransmission or keep-alive: the persist timer asks whether the window opened.',
    causes: [
      'the receiver\'s window was zero and the sender\'s persist timer probed it (RFC 9293 §3.8.6.1)',
    ],
    check: [
      detail('zero-window-probe'),
      { command: 'synack analyze CAPTURE --anomaly zero-window', look: 'how long the window stayed at zero; probes that go unanswered mean the peer is gone' },
    ],
    related: ['zero-window', 'zero-window-probe-ack', 'keep-alive'],
  },
  'zero-window-probe-ack': {
    phase: 'data',
    detection: 'The receiver\'s pure ACK right after a zero-window probe that still advertises a zero window and does not acknowledge the probe\'s byte (Wireshark\'s zero-window probe ACK): the window has not opened.',
    causes: [
      'the receiving application still does not read: blocked, overloaded or deadlocked',
    ],
    check: [
      detail('zero-window-probe-ack'),
      { command: 'ss -tm \'sport = :PORT\'', look: 'on the receiver: Recv-Q (bytes not read yet) and the socket\'s memory' },
    ],
    related: ['zero-window-probe', 'zero-window'],
  },
  'previous-segment-not-captured': {
    phase: 'capture',
    detection: 'A segment whose sequence number lies beyond the next byte expected in its direction (the highest sequence number seen plus its length): the bytes between were never in the capture (Wireshark\'s previous segment not captured). A payload cut by the snapshot length is not a gap (lengths come from the IP header). The skipped segments and bytes are counted per direction in Connection.gaps; verdicts that rest on a missing packet are then less sure.',
    causes: [
      'the segment was lost before the capture point (it is re-sent later: a retransmission fills the hole)',
      'the capture dropped it: kernel or interface drops, a SPAN port that overflowed',
      'the capture started after the connection did, or a filter or asymmetric routing hid some packets',
    ],
    check: [
      detail('previous-segment-not-captured'),
      { command: 'capinfos CAPTURE', look: 'the capture\'s statistics; synack analyze shows pcapng interface drop counts in its Inputs section, sniff in its closing line' },
      { command: 'synack analyze CAPTURE --conn N', look: 'whether a retransmission fills the hole later: then the loss was real, before the capture point' },
    ],
    related: ['acked-unseen-segment', 'retransmission', 'out-of-order'],
  },
  'acked-unseen-segment': {
    phase: 'capture',
    detection: 'An ACK that covers bytes the capture never showed from the other side: beyond the highest sequence number seen, or across a hole the capture skipped (Wireshark\'s ACKed segment that wasn\'t captured): the receiver got a segment the capture did not. Once per hole, or once per ACK number beyond the last seen. Counted per direction in Connection.gaps; verdicts that rest on a missing packet are then less sure.',
    causes: [
      'the capture dropped the segment (kernel or interface drops) while it reached the receiver',
      'the capture point is on another path for that direction (asymmetric routing)',
      'offload (TSO/GRO) or a capture started mid-connection',
    ],
    check: [
      detail('acked-unseen-segment'),
      { command: 'capinfos CAPTURE', look: 'the capture\'s statistics; synack analyze shows pcapng interface drop counts in its Inputs section, sniff in its closing line' },
      { command: 'ethtool -k IFACE', look: 'on the capturing host: generic-receive-offload and tcp-segmentation-offload' },
    ],
    related: ['previous-segment-not-captured', 'duplicate-ack'],
  },
  // --- malformed or odd ---
  'invalid-flags': {
    phase: 'malformed',
    detection: 'The decoder flags SYN+FIN, SYN+RST, a segment with none of FIN, SYN, RST, PSH, ACK and URG, and FIN, PSH or URG without ACK (NULL, FIN and Xmas scans look like these). Every such segment raises it (details.flags); the segment is still tracked.',
    causes: [
      'port scans and OS fingerprinting (nmap -sN, -sF, -sX)',
      'fuzzers and crafted packets',
      'a broken middlebox, or corruption',
    ],
    check: [
      detail('invalid-flags'),
      { command: 'tshark -r CAPTURE -Y \'tcp.flags.syn==1 && (tcp.flags.fin==1 || tcp.flags.reset==1)\'', look: 'the segments, and who sent them' },
    ],
    related: ['bad-checksum', 'malformed-option', 'port-zero'],
  },
  'bad-checksum': {
    phase: 'malformed',
    detection: 'Only with --verify-checksums: the TCP checksum over pseudo-header, header and payload is wrong, and the segment was captured whole. The receiver drops such a segment, so synack changes no state for it (it still counts in the packets).',
    causes: [
      'checksum offload: a capture on the sending host sees the segment before the NIC fills in the checksum (not an error on the wire)',
      'corruption on the path (a bad cable, NIC or memory)',
      'a middlebox rewriting the segment without fixing the checksum',
    ],
    check: [
      { command: 'ethtool -k IFACE | grep checksumming', look: 'tx-checksumming on, and every bad checksum on a segment this host sent: offload, harmless (drop --verify-checksums)' },
      { command: 'nstat -az TcpInCsumErrors', look: 'on the receiver: segments it dropped for a bad checksum (real corruption)' },
    ],
    related: ['invalid-flags', 'malformed-option', 'truncated'],
  },
  'malformed-option': {
    phase: 'malformed',
    detection: 'A TCP option whose length byte is below 2, that runs past the header, or whose length is wrong for its kind (MSS 4, window scale 3, SACK-permitted 2, timestamps 10, SACK 2 + 8n...). The options after it are not read.',
    causes: ['crafted or fuzzed segments', 'a buggy stack or middlebox', 'corruption'],
    check: [
      { command: 'synack packets CAPTURE --json', look: 'each segment\'s decoded options and decode issues' },
      { command: 'tshark -r CAPTURE -V -Y \'frame.number == FRAME\'', look: 'the option bytes of the segment' },
    ],
    related: ['truncated', 'bad-header-length', 'invalid-flags'],
  },
  'bad-header-length': {
    phase: 'malformed',
    detection: 'The data offset is below 5 words (20 bytes), or the header it declares runs past the IP payload: no options or payload are read from the segment.',
    causes: ['crafted or corrupt segments', 'a wrong IP total length'],
    check: [
      { command: 'tshark -r CAPTURE -V -Y \'frame.number == FRAME\'', look: 'the header length against the IP length' },
    ],
    related: ['malformed-option', 'truncated'],
  },
  'truncated': {
    phase: 'malformed',
    detection: 'The capture cut the TCP header\'s options (the snapshot length ended inside them): what was cut is not decoded. Lengths come from the IP header, so the analysis goes on. Not a network problem.',
    causes: ['a small snapshot length (tcpdump -s 96, or an old default of 68 bytes)', 'a capture appliance slicing packets'],
    check: [
      { command: 'capinfos CAPTURE', look: 'Packet size limit' },
      { command: 'tcpdump -s 0 -i IFACE -w CAPTURE', look: 'capture again with whole packets (tcpdump\'s default is 262144 bytes; TCP headers with options need at least 128)' },
    ],
    related: ['malformed-option', 'bad-header-length'],
  },
  'data-before-handshake': {
    phase: 'malformed',
    detection: 'A segment with payload (not a SYN) from an endpoint still in SYN_SENT, SYN_RECEIVED, LISTEN or CLOSED, on a connection whose handshake was seen (not one picked up mid-stream): once per endpoint (details.state, details.bytes). A segment that itself shows the handshake completed (its ACK) moves its sender first, so ordinary first data does not raise it.',
    causes: [
      'a Fast Open server sending its answer before the handshake\'s ACK (RFC 7413 allows it)',
      'a segment of the handshake not captured or lost, or a capture that started in the middle of the handshake',
      'injected or spoofed data',
    ],
    check: [
      { command: 'synack analyze CAPTURE --conn N', look: 'the ladder: which handshake segment is missing before the data' },
    ],
    related: ['syn-with-data', 'lost-handshake-ack'],
  },
  'port-zero': {
    phase: 'malformed',
    detection: 'Source or destination port 0 (reserved): raised for every such segment.',
    causes: ['scans and fingerprinting', 'crafted packets'],
    check: [
      detail('port-zero'),
      { command: 'tshark -r CAPTURE -Y \'tcp.port == 0\' -T fields -e ip.src -e ip.dst', look: 'who sends them' },
    ],
    related: ['invalid-flags'],
  },
  // --- synack's own limits ---
  'evicted': {
    phase: 'capture',
    detection: 'synack\'s live heap passed its memory ceiling (node\'s --max-old-space-size, or --max-memory): the connection was one of the least recently active, those whose handshake never completed first, and was finished early (endReason evicted). Nothing in the traffic ended it; its later segments are counted as late segments.',
    causes: [
      'a SYN flood or a scan holding very many connections at once',
      'a heap limit or --max-memory too small for the capture',
    ],
    check: [
      { command: 'synack analyze --json CAPTURE', look: 'summary.memoryPressure: how many, how often, the ceiling' },
      { command: 'NODE_OPTIONS=--max-old-space-size=4096 synack analyze CAPTURE', look: 'how the connection ended with a larger heap (or a lower --idle-timeout)' },
    ],
    related: ['half-open', 'syn-flood'],
  },
  // --- listeners ---
  'syn-flood': {
    phase: 'listener',
    detection: 'A listener\'s SYN-queue depth (requests it answered statefully and still holds, counted in time order) rose above --syn-flood-threshold (default 64). Raised on the listener, once per crossing; it re-arms when the depth falls to half the threshold.',
    causes: [
      'a SYN flood from spoofed sources (RFC 4987)',
      'a flash crowd on a slow server',
      'many clients whose ACKs are lost',
    ],
    check: [
      SYN_QUEUES,
      { command: 'ss -tn state syn-recv \'sport = :PORT\' | wc -l', look: 'on the server: its SYN queue now' },
      { command: NSTAT_LISTEN, look: 'on the server: cookies sent and SYNs dropped' },
      SYSCTL_QUEUE,
    ],
    related: ['half-open', 'half-open-expired', 'syn-cookies', 'syn-queue-overflow'],
  },
  'syn-queue-overflow': {
    phase: 'listener',
    detection: 'The listener\'s first syn-dropped: it left a SYN unanswered (no SYN-ACK, no RST) while it answered others. The depth its SYN queue had when the first drop came (synQueue.inferredBacklog) is its limit: Linux without SYN cookies drops when the queue holds backlog + 1 requests (or the last quarter of tcp_max_syn_backlog, kept for proven peers). Raised once per listener; synQueue.dropped counts every dropped SYN copy.',
    causes: [
      'a SYN flood or a burst larger than the backlog, with SYN cookies off: real clients then wait for their SYN re-sends (1 s, 3 s...)',
      'a full accept queue (drops then come at any SYN-queue depth)',
    ],
    check: [
      { command: NSTAT_LISTEN, look: 'on the server: ListenDrops, TCPReqQFullDrop' },
      SS_LISTEN,
      SYSCTL_QUEUE,
    ],
    related: ['syn-dropped', 'syn-cookies', 'accept-queue-overflow', 'syn-flood'],
  },
  'syn-cookies': {
    phase: 'listener',
    detection: 'The listener\'s first stateless-answer: it answered a SYN without keeping the request (the SYN-ACK never re-sent past its first re-send time, no ACK before). Raised once per listener, at that SYN-ACK; synQueue.stateless counts the stateless answers, synQueue.statelessFrom is the first. Linux sends cookies once its SYN queue is full (tcp_syncookies=1) or always (2).',
    causes: [
      'a SYN flood or a burst that filled the SYN queue',
      'tcp_syncookies=2',
    ],
    check: [
      { command: 'nstat -az TcpExtSyncookiesSent TcpExtSyncookiesRecv TcpExtSyncookiesFailed', look: 'on the server' },
      { command: 'dmesg | grep -i \'SYN flooding\'', look: 'the kernel\'s one line per listener when it starts sending cookies' },
      SYN_QUEUES,
    ],
    related: ['stateless-answer', 'syn-flood', 'syn-queue-overflow', 'options-mismatch'],
  },
};
