/**
 * The one place that names the other stages' entry points, so the pipeline reads as
 * capture → decode → flow without knowing which file each lives in.
 */
export { readCapture, type ReadCaptureOptions } from '../capture/reader.js';
export { linkTypeName } from '../capture/linktypes.js';
export { decodeFrame } from '../decode/decode.js';
export { decodeOptions } from '../decode/options.js';
export { Tracker } from '../flow/tracker.js';
export { ANOMALIES } from '../flow/anomalies.js';
