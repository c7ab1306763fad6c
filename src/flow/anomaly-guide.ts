/**
 * The anomaly catalogue's second half, for readers who must act on an anomaly: what usually causes it
 * and what to check next. Kept beside the catalogue (anomalies.ts: severity, meaning, reference) and
 * keyed the same way; a test checks that every catalogued id has an entry here.
 */
import type { AnomalyId } from './model.js';

export interface AnomalyGuide {
  causes: string;
  check: string;
}

export const ANOMALY_GUIDE: Readonly<Partial<Record<AnomalyId, AnomalyGuide>>> = {
  // --- handshake ---
  'syn-retransmission': {
    causes: 'The SYN or the SYN-ACK was lost on the way (congestion, a filtering firewall, an overloaded middlebox), or the server\'s SYN queue was full and it dropped the SYN.',
    check: 'Whether a SYN-ACK ever came back and after which attempt; the listener\'s half-open count at that time (SYN flood, backlog); firewall and security-group rules between the two hosts; packet loss on the path.',
  },
  'synack-retransmission': {
    causes: 'The client\'s ACK did not reach the server: lost on the path, dropped by a stateful firewall, or never sent because the SYN came from a spoofed or vanished address (SYN flood, scan).',
    check: 'Whether the client\'s ACK appears in the capture (then it was lost after the capture point); the client address is real; the listener\'s half-open count; asymmetric routing that sends the ACK another way.',
  },
  'lost-handshake-ack': {
    causes: 'The handshake\'s third ACK was lost after the capture point; the server stayed in SYN_RECEIVED and re-sent its SYN-ACK. Usually transient loss; persistent loss points at a middlebox on the return path.',
    check: 'The delay this added to the first request (one SYN-ACK retransmission timeout, 1 s on Linux); loss counters on the path; where the capture was taken relative to the loss.',
  },
  'handshake-refused': {
    causes: 'Nothing listens on the port (service down, wrong port, wrong host), or a firewall answers for it with RST. A listener whose accept queue is full does not refuse: it drops.',
    check: 'That the service runs and listens on that address and port (`ss -ltn`); the client\'s configured port; firewall REJECT rules (tcp-reset) between the hosts.',
  },
  'half-open': {
    causes: 'The client never completed the handshake: a SYN flood or scan from spoofed addresses, a client that crashed or gave up, or the final ACK lost on every try.',
    check: 'How many connections of the same listener are half-open at once (the listener chart); the source addresses (many, random: spoofing); SYN cookies and the SYN backlog on the server (`net.ipv4.tcp_syncookies`, `tcp_max_syn_backlog`).',
  },
  'simultaneous-open': {
    causes: 'Both ends connected to each other at the same moment (peer-to-peer hole punching, some test tools), or a middlebox reflected a SYN.',
    check: 'Usually nothing: it is legal TCP. If unexpected, whether both ends really meant to connect, and any NAT that rewrote ports.',
  },
  'bad-handshake-ack': {
    causes: 'An acknowledgement in the handshake does not match the peer\'s ISN + 1: a middlebox that rewrites sequence numbers inconsistently, a stale connection on a reused 4-tuple, or a forged segment.',
    check: 'Sequence-randomising firewalls or load balancers on the path; whether an older connection used the same 4-tuple; the RST that usually follows.',
  },
  'syn-with-data': {
    causes: 'TCP Fast Open (data in the SYN with a cookie), or an unusual or crafted stack.',
    check: 'Whether TFO is intended on both ends (`net.ipv4.tcp_fastopen`); middleboxes that drop SYNs with data; otherwise the sender\'s identity.',
  },
  'options-mismatch': {
    causes: 'Only one side offered window scaling, SACK or timestamps, so the option is off for the connection: an old or tuned-down stack, or a middlebox stripping options.',
    check: 'Throughput on long fat paths (no window scaling caps the window at 64 KB); sysctls such as `net.ipv4.tcp_window_scaling`, `tcp_sack`, `tcp_timestamps`; option-stripping firewalls.',
  },
  'handshake-timeout': {
    causes: 'No SYN-ACK and no RST ever came back: the server is down or unreachable, a firewall silently drops the SYN, the route is broken, or the SYN queue is full.',
    check: 'Reachability of the server (ICMP unreachable messages in the capture); DROP rules in firewalls and security groups; the listener\'s backlog; the client\'s retry count (`tcp_syn_retries`).',
  },
  'syn-unanswered': {
    causes: 'The capture ended while the client was still waiting for an answer to its SYN, within its retry schedule: a short capture, or the same causes as a timeout caught early.',
    check: 'A longer capture; whether a SYN-ACK or RST came after the capture stopped; otherwise as for handshake-timeout (reachability, filtering, the listener\'s queue).',
  },
  'stateless-answer': {
    causes: 'The server\'s SYN queue was full (a SYN flood, or a burst larger than the backlog) and it answered with a SYN cookie, keeping no state for the request, so it never re-sends that SYN-ACK.',
    check: 'The listener chart (the half-open count near the backlog when the cookies start); `net.ipv4.tcp_syncookies`, `tcp_max_syn_backlog` and the listen() backlog; whether the clients\' ACKs completed their handshakes anyway (cookies lose window scaling and SACK on old kernels).',
  },
  'half-open-expired': {
    causes: 'The client never completed the handshake (spoofed SYN, client gone, ACKs lost), so the server re-sent its SYN-ACK up to its limit and dropped the request.',
    check: 'How long requests survived on this listener and how many expired (a SYN flood fills the queue with them); the client addresses; the server\'s `tcp_synack_retries`; loss on the client\'s return path.',
  },
  'syn-dropped': {
    causes: 'The listener\'s SYN queue (or its accept queue) was full, so the kernel dropped this SYN without an answer while it still answered others: a SYN flood, a burst of connections larger than the backlog, or an application that does not accept fast enough.',
    check: 'The listener chart: the queue depth when the drops began (its inferred backlog) and whether SYN cookies were off (`net.ipv4.tcp_syncookies`); the listen() backlog and `net.core.somaxconn`; `nstat` ListenDrops and TCPReqQFullDrop on the server; whether the client\'s SYN retransmission got through later.',
  },
  'accept-queue-overflow': {
    causes: 'The handshake completed on the wire but the server ignored the client\'s ACK and re-sent its SYN-ACK: its accept queue was full because the application did not call accept() fast enough (busy, stuck, or a backlog too small for the connection rate).',
    check: 'The application\'s accept loop and load; the listen() backlog and `net.core.somaxconn`; `nstat` ListenOverflows on the server; `net.ipv4.tcp_abort_on_overflow` (on, the client gets a RST instead of a delay).',
  },
  // --- teardown ---
  'simultaneous-close': {
    causes: 'Both ends closed at nearly the same moment, so their FINs crossed on the wire.',
    check: 'Usually nothing: both sides end in TIME_WAIT, which holds both 4-tuples for 2×MSL.',
  },
  'lost-final-ack': {
    causes: 'The last ACK of the close was lost, so the LAST_ACK side re-sent its FIN (the TIME_WAIT side answers it again), or it was never acknowledged in the capture.',
    check: 'Loss on the path of the closing side; a firewall that drops packets of connections it considers closed; whether the re-sent FIN was finally acknowledged.',
  },
  'fin-retransmission': {
    causes: 'A FIN was not acknowledged in time and sent again: loss, a slow or stuck peer, or a peer that vanished.',
    check: 'Whether the peer answered at all afterwards; loss on the path; the application on the other side (it may have hung).',
  },
  'reset': {
    causes: 'An endpoint aborted the connection: the application closed with unread data or SO_LINGER 0, the process died, a timeout fired, or a middlebox (firewall, load balancer, IPS) injected the RST.',
    check: 'Who sent the RST and in which state (the connection\'s timeline); the TTL of the RST against the sender\'s other segments (a different TTL suggests a middlebox); application logs at that time.',
  },
  'half-closed': {
    causes: 'One side sent FIN and the other never sent its own before the capture ended: a request/response protocol still sending, a server that does not close, or a capture stopped too early.',
    check: 'Whether the capture ended soon after; connections stuck in CLOSE_WAIT on the side that did not close (an application that never calls close()).',
  },
  'time-wait-reuse': {
    causes: 'A new connection reused the 4-tuple while the previous one could still be in TIME_WAIT: a client cycling through few source ports, port reuse options, or NAT sharing ports.',
    check: 'The client\'s ephemeral port range and connection rate; NAT port allocation; that the new ISN is above the old sequence space (RFC 6191) so old segments cannot be confused.',
  },
  // --- data phase ---
  'retransmission': {
    causes: 'A data segment was not acknowledged in time (timeout) or was reported lost by duplicate ACKs or SACK (fast retransmit): loss, congestion, a receiver that discards segments.',
    check: 'The time-sequence graph: a gap in the ACK line before the retransmission; duplicate ACKs and SACK blocks from the receiver; whether the first copy was captured (lost after the capture point) or not (lost before).',
  },
  'out-of-order': {
    causes: 'Segments took different paths or queues (link aggregation, multipath routing, a reordering middlebox), or a retransmission filled a hole soon after the loss.',
    check: 'Whether reordering repeats on this path; its effect on the receiver (duplicate ACKs that trigger spurious retransmissions).',
  },
  'duplicate-ack': {
    causes: 'The receiver got a segment beyond a hole and repeated its ACK: loss or reordering upstream. Three in a row trigger a fast retransmission.',
    check: 'The SACK blocks they carry (which data arrived); the retransmission that should follow; the time-sequence graph around them.',
  },
  'zero-window': {
    causes: 'The receiving application does not read fast enough (busy, blocked, stalled), so its buffer filled and the sender must wait.',
    check: 'The receiving application\'s load; how long the window stayed at zero (zero-window probes, keep-alive-like, follow); socket buffer sizes (SO_RCVBUF, `tcp_rmem`).',
  },
  'keep-alive': {
    causes: 'The connection was idle and a keep-alive timer (SO_KEEPALIVE, or an application\'s) probed it; a zero-window probe looks the same.',
    check: 'Usually nothing. Unanswered probes mean the peer or the path is gone; frequent ones, a short keep-alive interval.',
  },
  // --- malformed or odd ---
  'invalid-flags': {
    causes: 'A flag combination no normal stack sends (SYN+FIN, SYN+RST, no flags, FIN without ACK): port scans (nmap -sF/-sN/-sX), fingerprinting, broken or fuzzing software.',
    check: 'The source address and what else it sent (a scan touches many ports); IDS alerts; whether the receiver answered with RST.',
  },
  'bad-checksum': {
    causes: 'Usually checksum offload: on the sending host the capture sees the segment before the NIC fills in the checksum. Otherwise corruption on the path or in a middlebox.',
    check: 'Whether the bad checksums are all on segments sent by the capturing host (offload: harmless, turn off --verify-checksums); otherwise NIC and link error counters.',
  },
  'malformed-option': {
    causes: 'An option with an impossible length or running past the header: a buggy or crafted stack, a middlebox that rewrote options badly, or corruption.',
    check: 'The sender\'s software; middleboxes that edit options (MSS clamping); whether the peer dropped the segment.',
  },
  'bad-header-length': {
    causes: 'The data offset is below 5 words or points past the segment: corruption, a crafted packet, or a capture that mangled the frame.',
    check: 'The source; other decode issues on the same host; the capture setup (snaplen, slicing).',
  },
  'truncated': {
    causes: 'The capture\'s snaplen cut the segment inside its TCP header or options, so fields past the cut are unknown.',
    check: 'Capture again with a larger snaplen (tcpdump -s 0, or at least 128 bytes for TCP headers with options).',
  },
  'data-before-handshake': {
    causes: 'Payload from an endpoint that had not reached ESTABLISHED: a capture that started mid-handshake, TCP Fast Open data outside the SYN, or a broken or crafted sender.',
    check: 'Whether the handshake is in the capture at all; the sender\'s stack; firewalls that would drop such data.',
  },
  'port-zero': {
    causes: 'Port 0 is reserved and never used by a real connection: scans, fingerprinting, crafted or corrupted packets.',
    check: 'The source address and the rest of its traffic; IDS alerts.',
  },
  // --- synack's own limits ---
  'evicted': {
    causes: 'synack\'s memory ceiling was reached (node\'s --max-old-space-size, or --max-memory): it finished its least recently active connections early, those whose handshake never completed first, usually because a SYN flood or a scan held very many of them at once. Nothing in the traffic ended the connection.',
    check: 'The summary\'s memoryPressure (how many, how often, the ceiling); run again with a larger heap (NODE_OPTIONS=--max-old-space-size=...) or a higher --max-memory to see how it ended, or a lower --idle-timeout to let half-open connections go sooner; later segments of it are counted as late segments.',
  },
  // --- listeners ---
  'syn-flood': {
    causes: 'More connections sat half-open on one listener than the threshold: a SYN flood (often from spoofed addresses), a burst of clients whose ACKs are lost, or a server too slow to complete handshakes.',
    check: 'The listener chart (how fast the queue filled and drained); the source addresses; SYN cookies and the SYN backlog on the server (`net.ipv4.tcp_syncookies`, `tcp_max_syn_backlog`, the listen() backlog); upstream rate limiting.',
  },
  'syn-queue-overflow': {
    causes: 'The listener\'s SYN queue filled (a SYN flood, a burst above the backlog, clients whose ACKs never come) and, without SYN cookies, the kernel dropped new SYNs: legitimate clients then wait for their SYN retransmissions (1 s, 3 s...).',
    check: 'The depth at which drops began (the inferred backlog) against the listen() backlog, `net.core.somaxconn` and `tcp_max_syn_backlog`; whether SYN cookies are enabled; the SYNs\' sources (spoofed floods come from many addresses); `nstat` ListenDrops.',
  },
  'syn-cookies': {
    causes: 'The listener\'s SYN queue was full and Linux answered new SYNs with SYN cookies, keeping no state: usually a SYN flood, sometimes a legitimate burst above the backlog.',
    check: 'When the cookies started and the queue depth then (the listener chart); whether clients still completed their handshakes (cookies work, but old kernels lose window scaling and SACK); the backlog settings; `nstat` SyncookiesSent and SyncookiesRecv.',
  },
};
