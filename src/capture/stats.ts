/**
 * What a capture says about its own completeness: the packet counters of each interface (from pcapng
 * Interface Statistics Blocks in a file, from the engine while sniffing). The capture stage only
 * reports them; judging what they mean for a verdict is for the stages after it.
 */

/** One interface's counters, as its capture reported them (cumulative since the capture started). */
export interface InterfaceStats {
  /** The interface's number in the input: its IDB's position over all sections (0 for live capture). */
  interface: number;
  /** if_name of the IDB, or the live interface name. */
  name?: string;
  linkType: number;
  /** When the counters were read (seconds since the epoch): the last ISB's time stamp, or the live stop. */
  at: number | null;
  /** The window the counters cover (isb_starttime / isb_endtime; live: start and stop), when known. */
  start: number | null;
  end: number | null;
  /** Packets the interface (or libpcap) received: isb_ifrecv, libpcap's ps_recv. null = not reported. */
  received: number | null;
  /** Dropped by the interface or its driver for lack of resources: isb_ifdrop, libpcap's ps_ifdrop. */
  ifDrop: number | null;
  /** Dropped by the operating system (the kernel's capture buffer was full): isb_osdrop, libpcap's ps_drop. */
  osDrop: number | null;
  /** Accepted by the capture filter (isb_filteraccept), when reported. */
  filterAccept: number | null;
  /** Delivered to the program that wrote the capture (isb_usrdeliv), when reported. */
  userDeliv: number | null;
  /** ifDrop + osDrop, of those reported; null when neither was. */
  dropped: number | null;
  /** Statistics blocks read for this interface (each holds running totals: the last one counts). */
  blocks: number;
}

/** A moment a live capture's drop counters changed (running totals at that time). */
export interface DropChange {
  /** Seconds since the epoch, on the packets' clock: when the changed counters were read. */
  t: number;
  /** When the counters were read before (or the capture started): the drops happened after this. */
  since: number;
  received: number | null;
  /** Dropped by the kernel (libpcap's ps_drop). */
  kernel: number | null;
  /** Dropped by the interface (libpcap's ps_ifdrop: the driver's rx_missed + rx_fifo counters). */
  interface: number | null;
}

export function newInterfaceStats(iface: number, linkType: number): InterfaceStats {
  return {
    interface: iface, linkType, at: null, start: null, end: null, received: null, ifDrop: null, osDrop: null,
    filterAccept: null, userDeliv: null, dropped: null, blocks: 0,
  };
}

/** Sets `dropped` from ifDrop and osDrop. */
export function sumDropped(s: InterfaceStats): InterfaceStats {
  s.dropped = s.ifDrop === null && s.osDrop === null ? null : (s.ifDrop ?? 0) + (s.osDrop ?? 0);
  return s;
}
