import type { StorageMode } from '../storage-mode.js';

/** A versioned schema step; `up` may differ by storage mode (hypertable vs native partitions). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(mode: StorageMode): string[];
}
