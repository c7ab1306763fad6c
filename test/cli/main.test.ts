/** The one entry point's error mapping, in-process: an unexpected error is one line and exit 3. */
import { jest } from '@jest/globals';

jest.unstable_mockModule('../../src/pipeline/analyze.js', () => ({
  analyzeInputs: async () => { throw new TypeError('boom: x is not a function'); },
  decodeInputs: async () => { throw new TypeError('boom'); },
}));

const { main } = await import('../../src/cli/main.js');

function capture(): { text: () => string; restore: () => void } {
  let text = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { text += String(chunk); return true; });
  return { text: () => text, restore: () => spy.mockRestore() };
}

describe('main: error → exit code', () => {
  test('an internal error is exit 3 with one line pointing at --debug', async () => {
    const err = capture();
    const code = await main(['node', 'synack', 'analyze', 'whatever.pcap']);
    err.restore();
    expect(code).toBe(3);
    expect(err.text()).toBe('synack: internal error: boom: x is not a function (run with --debug for the stack)\n');
  });

  test('with --debug the stack follows', async () => {
    const err = capture();
    const code = await main(['node', 'synack', '--debug', 'analyze', 'whatever.pcap']);
    err.restore();
    expect(code).toBe(3);
    expect(err.text()).toMatch(/^synack: internal error: TypeError: boom: x is not a function\n\s+at /);
  });
});
