// Pure decoding of device wire formats into Fix / DeviceEvent, with a refusal for everything else.
export { RefusalReason } from '../../../schemas/wire/refusal.js';
export { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
export { decodeNativeEvent, decodeNativeTelemetry } from './native.js';
export { decodeOsmAnd, type OsmAndDecoded, type OsmAndRequest, parseOsmAndForm } from './osmand.js';
export { decodeOwnTracks } from './owntracks.js';
export { type Decoded, isIgnored, type Refusal } from './result.js';
