// The public contract: what devices, simulators and load scripts may import. Nothing here imports src/.
export * from './enums.js';
export * from './resolution.js';
export * from './wire/common.js';
export * from './wire/config.js';
export * from './wire/native.js';
export * from './wire/osmand.js';
export * from './wire/owntracks.js';
export * from './wire/refusal.js';
export * from './wire/topics.js';
