/**
 * Live capture through the optional `cap` module (libpcap). cap is CommonJS and native: it is loaded
 * lazily, inside try/catch, so everything but `sniff` and `interfaces` works when it is not built.
 *
 * What cap gives and does not give, and what we do about it:
 * - its 'packet' event carries only (nbytes, truncated): no timestamp, no original length. We stamp each
 *   packet with a monotonic clock (process.hrtime) anchored to the wall clock once at start, read when
 *   cap hands the packet over. So times are when Node got the packet (after libpcap's buffering and the
 *   event loop), not the kernel's capture time: RTTs are upper bounds, typically off by tens of µs on an
 *   idle machine and more under load.
 * - no original length either: origLen is the captured length, except for a frame that filled the
 *   65535-byte snaplen (loopback GSO sends IP packets up to 64 KiB), where the IP header's length says
 *   how long it really was (see wireLength).
 * - it reuses ONE buffer for every packet: the Frame we hand over is a view on it, valid only during the
 *   callback (the same contract as the file readers); the pcap writer copies what it writes.
 * - snaplen is fixed at 65535 and promiscuous mode is forced.
 */
import { createRequire } from 'node:module';
import { CaptureError } from '../util/errors.js';
import { newFrame, type Frame } from './frame.js';
import { interfaceDropCounter } from './iface-drops.js';
import { sameCounters, type DropCounters, type LiveCaptureOptions, type LiveSource } from './live-source.js';

interface CapAddress { addr: string; netmask?: string; broadaddr?: string; dstaddr?: string }
export interface LiveDevice { name: string; description?: string; addresses: CapAddress[]; flags?: string }

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(ev: 'packet', cb: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(ev?: string): void;
}
interface CapModule {
  Cap: { new (): CapInstance; deviceList(): LiveDevice[] };
}

export const CAP_FIX = 'live capture needs the `cap` module built against libpcap: apt-get install libpcap-dev, then `npm rebuild cap`';

let loaded: CapModule | null = null;
let loadError: string | null = null;

/** Loads cap once; throws CaptureError with the fix when it is not installed or not built. */
export function loadCap(): CapModule {
  if (loaded) return loaded;
  if (loadError === null) {
    try {
      loaded = createRequire(import.meta.url)('cap') as CapModule;
      return loaded;
    } catch (e) {
      loadError = (e as Error).message.split('\n')[0] ?? String(e);
    }
  }
  throw new CaptureError(`${CAP_FIX} (${loadError})`);
}

export function listInterfaces(): LiveDevice[] {
  return loadCap().Cap.deviceList();
}

/** cap's link-type strings → LINKTYPE_* numbers. */
export function capLinkType(s: string): number {
  switch (s) {
    case 'ETHERNET': return 1;
    case 'NULL': return 0;
    case 'RAW': return 101;
    case 'LINKTYPE_LINUX_SLL': return 113;
    case 'IEEE802_11_RADIO': return 127;
    default: {
      const m = /Unknown linktype (\d+)/.exec(s);
      if (m) return Number(m[1]);
      throw new CaptureError(`libpcap reported a link type synack does not know: ${s}`);
    }
  }
}

/** cap's fixed snapshot length. */
export const SNAPLEN = 65535;

/** Link header length for the link types a live capture meets, or -1. */
function linkHeaderLen(b: Buffer, n: number, linkType: number): { off: number; etherType: number } | null {
  switch (linkType) {
    case 1: return n >= 14 ? { off: 14, etherType: b.readUInt16BE(12) } : null;      // Ethernet
    case 113: return n >= 16 ? { off: 16, etherType: b.readUInt16BE(14) } : null;    // Linux cooked (any)
    case 101: return n >= 1 ? { off: 0, etherType: (b[0]! >> 4) === 6 ? 0x86dd : 0x0800 } : null; // raw IP
    default: return null;
  }
}

/**
 * The wire length of a frame libpcap cut at the snaplen: link header + the IP header's own length
 * (IPv4 total length, IPv6 payload length + 40). Falls back to the captured length.
 */
export function wireLength(b: Buffer, n: number, linkType: number): number {
  const l = linkHeaderLen(b, n, linkType);
  if (!l) return n;
  let ipLen = 0;
  if (l.etherType === 0x0800 && n >= l.off + 4) ipLen = b.readUInt16BE(l.off + 2);
  else if (l.etherType === 0x86dd && n >= l.off + 6) ipLen = 40 + b.readUInt16BE(l.off + 4);
  return Math.max(n, l.off + ipLen);
}

/**
 * cap captures inside node, so it needs root. Capture rights are not to be given to the node binary
 * (every Node program on the machine could then sniff every interface): the capture programs synack
 * runs as a child take them instead (README, "Live capture").
 */
export const PERMISSION_FIX =
  'capturing in-process (--engine cap) needs root: run with sudo, or install tcpdump or dumpcap ' +
  '(synack runs them as the capturing child; give capture rights to dumpcap, never to node)';

export interface LiveOptions {
  iface: string;
  /** BPF filter (pcap-filter(7)); '' for everything. */
  filter: string;
  /** libpcap's kernel buffer, bytes. */
  bufferSize?: number;
}

export class LiveCapture {
  readonly linkType: number;
  packets = 0;
  /** Packets longer than the 65535-byte buffer (cut; counted). */
  truncated = 0;
  private readonly frame: Frame = newFrame();
  private closed = false;

  /** `buffer` is the one cap writes every packet into (the one given to its open()). */
  private constructor(private readonly cap: CapInstance, linkType: number, private readonly buffer: Buffer) {
    this.linkType = linkType;
  }

  /** Opens the interface and starts calling onFrame (synchronously per packet, one reused Frame). */
  static open(o: LiveOptions, onFrame: (f: Frame) => void): LiveCapture {
    const mod = loadCap();
    const devices = mod.Cap.deviceList();
    if (!devices.some((d) => d.name === o.iface)) {
      const names = devices.map((d) => d.name);
      throw new CaptureError(`no interface "${o.iface}"; there are: ${names.length ? names.join(', ') : 'none visible (not root?)'}`);
    }
    const cap = new mod.Cap();
    let linkName: string;
    const buf = Buffer.alloc(65535);
    try {
      linkName = cap.open(o.iface, o.filter, o.bufferSize ?? 10 * 1024 * 1024, buf);
    } catch (e) {
      // cap's native destructor crashes Node (SIGSEGV/SIGABRT) when it collects a Cap whose open()
      // failed half-way; keeping such objects reachable until exit avoids it (they are few: one per failure).
      failedCaps.push(cap);
      throw openError(o, (e as Error).message);
    }
    const live = new LiveCapture(cap, capLinkType(linkName), buf);
    live.start(onFrame);
    return live;
  }

  /**
   * Now on the clock packets are stamped with, in seconds since the epoch (as Tracker reads a
   * Frame's time): for timers that must agree with packet times (sniff's idle expiry).
   */
  now(): number {
    const ns = this.wallNs + (process.hrtime.bigint() - this.hr0);
    return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
  }
  private wallNs = 0n;
  private hr0 = 0n;

  private start(onFrame: (f: Frame) => void): void {
    const wallNs = this.wallNs = BigInt(Date.now()) * 1_000_000n;
    const hr0 = this.hr0 = process.hrtime.bigint();
    const f = this.frame;
    f.linkType = this.linkType;
    f.data = this.buffer;
    f.offset = 0;
    this.cap.on('packet', (nbytes: number, truncated: boolean) => {
      if (this.closed) return;
      const ns = wallNs + (process.hrtime.bigint() - hr0);
      this.packets++;
      if (truncated) this.truncated++;
      f.frameNo = this.packets;
      f.tsSec = Number(ns / 1_000_000_000n);
      f.tsNsec = Number(ns % 1_000_000_000n);
      f.caplen = nbytes;
      f.origLen = nbytes >= SNAPLEN ? wireLength(this.buffer, nbytes, this.linkType) : nbytes;
      onFrame(f);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try { this.cap.close(); } catch { /* already closed by libpcap */ }
    this.cap.removeAllListeners('packet');
  }
}

/** What cap cannot do, said in sniff's output when it is the engine. */
export const CAP_LIMITS: readonly string[] = [
  'no kernel time stamps: packets are stamped when Node receives them, so RTTs are upper bounds',
  'no kernel drop counter: packets the kernel dropped are neither seen nor counted',
  'snapshot length fixed at 65535 bytes; promiscuous mode forced',
];

/** cap as a LiveSource: the in-process engine, when neither tcpdump nor dumpcap is installed. */
export function startCapSource(o: LiveCaptureOptions): LiveSource {
  const ifDrops = interfaceDropCounter(o.iface);
  let packets = 0;
  const live = LiveCapture.open({ iface: o.iface, filter: o.filter, bufferSize: o.bufferKiB * 1024 }, (f) => {
    packets++;
    o.onFrame(f);
  });
  let counters: DropCounters = { received: null, kernel: null, interface: ifDrops ? 0 : null };
  const source: LiveSource = {
    engine: 'cap',
    engineDetail: 'cap (libpcap in-process)',
    linkType: live.linkType,
    snaplen: SNAPLEN,
    kernelTimestamps: false,
    limits: ifDrops ? CAP_LIMITS : [...CAP_LIMITS, `no interface drop counter for ${o.iface}`],
    get packets() { return packets; },
    get counters() { return counters; },
    now: () => live.now(),
    poll() {
      if (!ifDrops) return;
      const next = { ...counters, interface: ifDrops() };
      if (sameCounters(next, counters)) return;
      counters = next;
      o.onCounters?.(next);
    },
    stop: async () => { live.close(); },
  };
  try {
    // cap delivers packets through the event loop: none can come before this returns.
    o.onStart?.(source, []);
  } catch (e) {
    live.close();
    throw e;
  }
  return source;
}

/** Cap objects whose open() failed: never collected (see LiveCapture.open). */
const failedCaps: CapInstance[] = [];

function openError(o: LiveOptions, msg: string): CaptureError {
  if (/permission|not permitted|EPERM|access denied/i.test(msg)) return new CaptureError(`${o.iface}: ${msg}; ${PERMISSION_FIX}`);
  if (/no such device|doesn't exist|does not exist/i.test(msg)) return new CaptureError(`${o.iface}: ${msg}`);
  if (o.filter && /syntax|filter|parse|illegal|unknown|expression/i.test(msg)) {
    return new CaptureError(`bad capture filter "${o.filter}": ${msg}`);
  }
  return new CaptureError(`${o.iface}: cannot start capture: ${msg}`);
}
