import { jest } from '@jest/globals';
import { ProgressBar } from '../../src/report/progress.js';
import { renderEvent } from '../../src/report/events.js';
import { makePaint } from '../../src/report/style.js';
import { completeConnection, T0 } from '../helpers/connection.js';

const plain = makePaint(0);

describe('progress bar', () => {
  afterEach(() => { jest.useRealTimers(); });

  test('silent for a short read, then bytes / total, connections and packets/s; cleared when done', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const out: string[] = [];
    const bar = new ProgressBar((s) => out.push(s), plain, 120);
    const p = { input: 'big.pcap', inputIndex: 0, inputCount: 1, bytesRead: 5e6, bytesTotal: 20e6, frames: 50_000 };
    bar.update(p, 10);
    expect(out).toEqual([]); // too soon: short reads stay silent
    jest.setSystemTime(1_000_000 + 1000);
    bar.update(p, 12);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\r\u001b\[2Kreading big\.pcap \[######-{18}\]  25% 5\.0\/20\.0 MB, 12 connections, 50,000 packets\/s$/);
    bar.update(p, 12); // within the repaint interval: no new paint
    expect(out).toHaveLength(1);
    bar.done();
    expect(out.at(-1)).toBe('\r\u001b[2K');
  });

  test('done() writes nothing when nothing was shown', () => {
    const out: string[] = [];
    new ProgressBar((s) => out.push(s), plain).done();
    expect(out).toEqual([]);
  });
});

describe('sniff event lines', () => {
  test('new connection, transition, anomaly, end', () => {
    const c = completeConnection();
    expect(renderEvent(plain, { type: 'connection-start', t: T0, packet: 1, connection: 1, client: c.client, server: c.server, roleInferred: false }))
      .toMatch(/^\d\d:\d\d:\d\d\.\d{6}  #1  new 10\.0\.0\.1:40000 → 10\.0\.0\.2:80  pkt 1$/);
    expect(renderEvent(plain, { type: 'transition', connection: 1, transition: c.timeline[0]! }))
      .toMatch(/#1  client CLOSED → SYN_SENT  sent SYN, pkt 1$/);
    expect(renderEvent(plain, { type: 'anomaly', connection: 1, anomaly: { id: 'reset', severity: 'warning', packet: 9, t: T0, endpoint: 'server', message: 'RST from the server' } }))
      .toMatch(/#1  warning reset: RST from the server  pkt 9$/);
    expect(renderEvent(plain, { type: 'connection-end', connection: c }))
      .toMatch(/#1  end 10\.0\.0\.1:40000 → 10\.0\.0\.2:80: handshake complete, close four-way, client TIME_WAIT \/ server CLOSED$/);
  });
});
