/**
 * Teaching text for the eleven states: what each is, why it exists, and how synack knows an endpoint
 * is in it. The arcs in and out are not written here: `synack explain STATE` takes them from the state
 * table the tracker runs (flow/state-table.ts), so they cannot drift from the code.
 */
import type { AnomalyId, TcpState } from '../flow/model.js';
import type { ExplainName } from './explanation.js';

export interface StateGuide {
  summary: string;
  why: readonly string[];
  /** Other spellings (Linux's ss and kernel names) explain takes for the state. */
  aliases: readonly string[];
  anomalies: readonly AnomalyId[];
  see: readonly ExplainName[];
}

export const STATE_GUIDE: Readonly<Record<TcpState, StateGuide>> = {
  CLOSED: {
    summary: 'No connection: where every endpoint starts and ends (RFC 9293 calls it fictional: no connection record exists).',
    why: [
      'CLOSED is the absence of a connection. connect() leaves it actively with a SYN (SYN_SENT), listen() passively (LISTEN). A port nobody listens on is CLOSED: a SYN sent to it is answered with a RST (RFC 9293 §3.10.7.1), which is how a refused connection looks on the wire.',
      'Endpoints come back to CLOSED four ways: a RST sent or received (an abort), a back-off that ran out (a SYN or SYN-ACK given up), the last ACK arriving in LAST_ACK, and TIME_WAIT\'s 2×MSL running out (or a new SYN taking the 4-tuple).',
      'How synack shows it: every timeline starts in CLOSED, except for a connection picked up mid-stream, whose endpoints start in ESTABLISHED (inferred). The server of a refused connection has no transition at all: it never left CLOSED.',
    ],
    aliases: ['TCP_CLOSE'],
    anomalies: ['handshake-refused', 'reset', 'handshake-timeout', 'half-open-expired'],
    see: ['states', 'handshake'],
  },
  LISTEN: {
    summary: 'A passive open: the application called listen() and the port waits for SYNs.',
    why: [
      'A listening socket sends nothing of its own, so the wire never shows LISTEN: synack infers it (CLOSED → LISTEN, inferred) from the SYN-ACK the server sends, or, for a SYN it left unanswered, from its answers to other SYNs. Endpoints of a simultaneous open never listen.',
      'Each SYN a listener takes becomes a request in SYN_RECEIVED while the listener stays in LISTEN for the next one. Linux keeps two queues per listener: the SYN queue (requests waiting for the handshake\'s ACK) and the accept queue (completed connections waiting for accept()). When the SYN queue is full it answers with SYN cookies and keeps nothing (tcp_syncookies=1); when the accept queue is full it drops new SYNs and ignores completing ACKs.',
      'A RST sent to a listener is ignored (RFC 9293 §3.10.7.2). A passively opened request that is reset goes back to LISTEN: in synack, that server\'s SYN_RECEIVED → LISTEN.',
    ],
    aliases: [],
    anomalies: ['syn-dropped', 'stateless-answer', 'syn-cookies', 'syn-queue-overflow', 'accept-queue-overflow'],
    see: ['syn-queue', 'handshake', 'SYN_RECEIVED'],
  },
  SYN_SENT: {
    summary: 'The client sent its SYN and waits for the SYN-ACK.',
    why: [
      'connect() sends a SYN carrying the client\'s initial sequence number and the options it offers (MSS, window scale, SACK-permitted, timestamps, maybe Fast Open) and waits. When nothing comes it sends the same SYN again (the same ISN) each time its timer fires: 1 s, then doubling (RFC 6298 §5; Linux 6.x re-sends the first few at 1 s, tcp_syn_linear_timeouts=4), and gives up when the budget of net.ipv4.tcp_syn_retries is spent (6: about 127 s; connect() fails with ETIMEDOUT).',
      'A SYN-ACK takes it to ESTABLISHED (it answers with the handshake\'s ACK); a RST to CLOSED (connection refused); a SYN from the peer, whose own SYN crossed this one, to SYN_RECEIVED: a simultaneous open.',
      'How synack knows: the client is SYN_SENT from its SYN, and leaves only when its own next segment shows the SYN-ACK reached it. A spoofed source never receives the SYN-ACK and stays SYN_SENT; a client that stopped re-sending gave up (SYN_SENT → CLOSED, inferred at the time its next copy was due).',
    ],
    aliases: ['SYN-SENT'],
    anomalies: ['syn-retransmission', 'handshake-timeout', 'syn-unanswered', 'handshake-refused', 'simultaneous-open'],
    see: ['handshake', 'backoff'],
  },
  SYN_RECEIVED: {
    summary: 'A SYN arrived and was answered with a SYN-ACK; the endpoint waits for the ACK that completes the handshake.',
    why: [
      'On a server this is a request in the listener\'s SYN queue, not yet a connection: Linux keeps it as a small request socket (TCP_NEW_SYN_RECV) and builds the full socket when the ACK comes. The queue is bounded by the listen() backlog (capped by net.core.somaxconn) and by net.ipv4.tcp_max_syn_backlog; when it is full, Linux answers with SYN cookies (net.ipv4.tcp_syncookies=1) and keeps nothing, or, with cookies off, drops new SYNs.',
      'Half-open survival time: while no ACK comes, the server re-sends its SYN-ACK with doubling waits and then drops the request. With Linux\'s default tcp_synack_retries=5 the copies go at 0, 1, 3, 7, 15 and 31 s and the request is dropped at 63 s (1 + 2 + 4 + 8 + 16 + 32): a request whose client never answers holds a place in the queue for about a minute.',
      'That is what a SYN flood exploits (RFC 4987): SYNs from spoofed addresses fill the queue with requests nobody will complete, and real clients\' SYNs find it full. The defences: SYN cookies (the request is encoded in the SYN-ACK\'s sequence number and rebuilt from the ACK that returns it), a larger backlog, fewer SYN-ACK re-sends.',
      'In a simultaneous open both sides pass through SYN_RECEIVED without any listener (RFC 9293 §3.5, Figure 7). A RST sends a passively opened request back to LISTEN.',
      'How synack knows: a server is SYN_RECEIVED from its SYN-ACK once the wire shows it kept the request (it re-sent the SYN-ACK, or the ACK came). It is ESTABLISHED at the handshake\'s ACK unless it re-sends its SYN-ACK after it (then that ACK was lost after the capture point). An answer never re-sent past its first re-send time was a SYN cookie: the server stayed in LISTEN.',
    ],
    aliases: ['SYN_RECV', 'SYN-RECV', 'TCP_NEW_SYN_RECV', 'NEW_SYN_RECV', 'SYN_RCVD'],
    anomalies: ['half-open', 'half-open-expired', 'synack-retransmission', 'lost-handshake-ack', 'stateless-answer', 'syn-flood', 'accept-queue-overflow'],
    see: ['syn-queue', 'handshake', 'LISTEN'],
  },
  ESTABLISHED: {
    summary: 'The handshake is done: both sequence numbers are synchronized and data flows both ways.',
    why: [
      'The state of an open connection, for as long as it lives: milliseconds or weeks. Nothing on the wire is needed to stay in it: an idle connection sends nothing unless keep-alives are on (SO_KEEPALIVE; Linux waits tcp_keepalive_time, 7200 s, before the first probe).',
      'It ends when this side closes (its FIN: FIN_WAIT_1), when the peer closes (its FIN arrives: CLOSE_WAIT), or when either aborts (RST: CLOSED).',
      'How synack knows: the client is ESTABLISHED at the SYN-ACK, once its own ACK shows the SYN-ACK arrived; the server at the handshake\'s ACK, unless it re-sends its SYN-ACK after it. A connection picked up mid-stream starts here (inferred: no handshake was seen).',
    ],
    aliases: ['ESTAB'],
    anomalies: ['retransmission', 'duplicate-ack', 'zero-window', 'keep-alive', 'data-before-handshake'],
    see: ['window', 'backoff', 'handshake'],
  },
  FIN_WAIT_1: {
    summary: 'This side closed first: it sent its FIN and waits for it to be acknowledged.',
    why: [
      'close() or shutdown(SHUT_WR) sends a FIN. A FIN takes one sequence number, so it is acknowledged like data: its ACK takes the endpoint to FIN_WAIT_2. When the peer\'s FIN arrives first (it closed at the same time), the endpoint goes to CLOSING: a simultaneous close.',
      'The FIN is re-sent when its timer fires, like data. For a socket the application has already closed (an orphan), Linux bounds these re-sends with net.ipv4.tcp_orphan_retries.',
      'How synack knows: FIN_WAIT_1 from its own FIN. FIN_WAIT_1 → FIN_WAIT_2 when an ACK of the FIN passed and the endpoint did not send the FIN again.',
    ],
    aliases: ['FIN-WAIT-1', 'FIN_WAIT1'],
    anomalies: ['fin-retransmission', 'simultaneous-close'],
    see: ['close', 'FIN_WAIT_2', 'CLOSING'],
  },
  FIN_WAIT_2: {
    summary: 'This side\'s FIN is acknowledged; it waits for the peer\'s FIN, and the peer may still send data (a half-close).',
    why: [
      'The connection is half closed: this side sends nothing more, the peer still can. The peer\'s FIN takes it to TIME_WAIT.',
      'RFC 9293 has no timer for FIN_WAIT_2. Linux bounds it for a socket the application has closed: tcp_fin_timeout (60 s) after close() the socket goes away even without the peer\'s FIN. A socket that only called shutdown(SHUT_WR) waits as long as the peer keeps it open.',
      'How synack knows: at the ACK of its FIN, once it did not contradict it by sending the FIN again; it leaves at the peer\'s FIN, once its own ACK of it shows the FIN arrived.',
    ],
    aliases: ['FIN-WAIT-2', 'FIN_WAIT2'],
    anomalies: ['half-closed'],
    see: ['close', 'TIME_WAIT'],
  },
  CLOSE_WAIT: {
    summary: 'The peer closed (its FIN arrived); this side may still send, and waits for its own application to close.',
    why: [
      'CLOSE_WAIT waits for the local application, not for the network: its read returned end of file, and it is expected to finish and call close(). Its FIN then takes the endpoint to LAST_ACK.',
      'No timer ends CLOSE_WAIT. Sockets piling up in it (ss -tan state close-wait) are an application that never closes what its peer closed: a descriptor leak.',
      'How synack knows: at the peer\'s FIN, once the endpoint\'s ACK of that FIN (or its own FIN, when they crossed) shows the FIN arrived.',
    ],
    aliases: ['CLOSE-WAIT'],
    anomalies: ['half-closed'],
    see: ['close', 'LAST_ACK'],
  },
  CLOSING: {
    summary: 'Simultaneous close: this side sent its FIN and received the peer\'s before its own was acknowledged.',
    why: [
      'Both applications closed within about one round trip, so the FINs crossed on the wire (RFC 9293 §3.6, Figure 13). Each side acknowledges the other\'s FIN and waits for the ACK of its own, which takes it to TIME_WAIT: both sides then pay TIME_WAIT, where an ordinary close leaves it to the side that closed first.',
      'Rare in practice: both sides must close before either FIN arrives.',
      'How synack knows: an endpoint\'s FIN does not acknowledge the peer\'s FIN that passed before it, so it left before that FIN arrived: the FINs crossed, and the peer\'s FIN is placed right after the endpoint\'s own.',
    ],
    aliases: [],
    anomalies: ['simultaneous-close'],
    see: ['close', 'TIME_WAIT'],
  },
  LAST_ACK: {
    summary: 'The side that closed second sent its FIN and waits for the last ACK.',
    why: [
      'The passive closer\'s last wait: once the ACK of its FIN arrives, the connection is gone on its side (CLOSED).',
      'Why a final ACK gets lost, and what it costs: the final ACK is the only segment of the close that nothing acknowledges (an ACK is never acknowledged), so when it is lost only the LAST_ACK side\'s timer repairs it: it sends its FIN again after its retransmission timeout (on Linux at least 200 ms, then doubling), and the peer, still in TIME_WAIT, acknowledges it again. A FIN re-sent after the peer has left TIME_WAIT draws a RST instead, and the LAST_ACK side ends with an error. A final ACK is no likelier to be lost than any other segment; its loss is just more visible, because a timeout repairs it rather than the next data.',
      'How synack knows: LAST_ACK from its own FIN; LAST_ACK → CLOSED at the ACK that reached it. An ACK followed by the same FIN again was lost after the capture point (lostSegments, lost-final-ack), and the transition waits for the next ACK.',
    ],
    aliases: ['LAST-ACK'],
    anomalies: ['lost-final-ack', 'fin-retransmission'],
    see: ['close', 'TIME_WAIT'],
  },
  TIME_WAIT: {
    summary: 'The side that closed first acknowledged the peer\'s FIN and waits 2×MSL before its 4-tuple may be used again.',
    why: [
      'The last ACK: the ACK of the peer\'s FIN may be lost, and the peer, in LAST_ACK, will send its FIN again. TIME_WAIT keeps enough of the connection to acknowledge that FIN once more; without it the re-sent FIN would draw a RST and the peer would end with an error.',
      'Old duplicates: segments of this connection may still be in the network. Waiting twice the maximum segment lifetime (2×MSL: one MSL for the last segment to leave, one for any answer to it) lets them expire before a new connection on the same 4-tuple could take them for its own (RFC 9293 §3.6.1, RFC 1337).',
      'How long: RFC 793 set MSL to 2 minutes (4 minutes of TIME_WAIT); Linux waits a fixed 60 s (TCP_TIMEWAIT_LEN); synack counts 2×MSL of capture time (--msl, default 30 s: 60 s) and marks TIME_WAIT → CLOSED as inferred. A new SYN on the 4-tuple ends it early: Linux accepts one whose sequence number or timestamp is above the old connection\'s (RFC 6191), and reuses TIME_WAIT 4-tuples for connect() with net.ipv4.tcp_tw_reuse when timestamps guard against old segments (PAWS, RFC 7323).',
      'Only the side that closes first pays it: busy clients, which close, collect thousands of TIME_WAIT sockets; servers that let clients close first keep few.',
    ],
    aliases: ['TIME-WAIT', 'TIMEWAIT', '2MSL', 'MSL'],
    anomalies: ['time-wait-reuse', 'lost-final-ack'],
    see: ['close', 'LAST_ACK'],
  },
};
