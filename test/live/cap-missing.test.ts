/** When the cap module is missing or not built, live capture fails with one line saying how to fix it. */
import { jest } from '@jest/globals';

jest.unstable_mockModule('node:module', () => ({
  createRequire: () => () => { throw new Error("Cannot find module '../build/Release/cap.node'\nRequire stack: ..."); },
}));

const { listInterfaces, LiveCapture, CAP_FIX } = await import('../../src/capture/live.js');
const { CaptureError } = await import('../../src/util/errors.js');

test('interfaces and sniff say: apt-get install libpcap-dev, then npm rebuild cap', () => {
  expect(() => listInterfaces()).toThrow(CaptureError);
  expect(() => listInterfaces()).toThrow(/apt-get install libpcap-dev, then `npm rebuild cap` \(Cannot find module '..\/build\/Release\/cap.node'\)$/);
  expect(() => LiveCapture.open({ iface: 'lo', filter: '' }, () => undefined)).toThrow(CAP_FIX);
});
