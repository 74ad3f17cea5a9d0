// Service → device, published retained on em/v1/devices/{deviceId}/config (issue 3 item 6), so a
// device that reconnects receives its current reporting rule at once ([MQTT-3.3.1-6]).
import { z } from 'zod';
import { IsoInstant } from './common.js';

/** `fast` is switched on by the rules engine during a violation (DOMAIN.md: 1 fix/min → 1 fix/15 s). */
export const ReportingMode = z.enum(['normal', 'fast']);
export type ReportingMode = z.infer<typeof ReportingMode>;

export const DeviceConfig = z
  .object({
    interval: z.int().min(1).max(86_400).describe('Reporting interval, seconds'),
    mode: ReportingMode,
    until: IsoInstant.optional().describe('When fast mode ends by itself; absent means until changed'),
    version: z.int().min(0).describe('Increases with every change; a device ignores an older version'),
  })
  .describe('Retained on em/v1/devices/{deviceId}/config');
export type DeviceConfig = z.infer<typeof DeviceConfig>;
