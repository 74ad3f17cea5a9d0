// Stage 1, authorize: the fix's device must be registered, enabled and assigned to a supervisee.
// (The EM-order check, Art. 29, needs the fix time against the person's periods: the rules do it.)
import type { Directory } from '../../directory/directory.js';
import type { Stage } from '../types.js';
import { refuseItem } from './refuse.js';

export function authorizeStage(directory: Directory): Stage {
  return {
    name: 'authorize',
    run(batch) {
      const protectedDevices = directory.current.protectedDevices;
      for (const item of [...batch.fixes, ...batch.events]) {
        const deviceId = 'fix' in item ? item.fix.deviceId : item.event.deviceId;
        const device = directory.device(deviceId);
        if (!device || device.disabled) {
          refuseItem(batch, item, 'unknown_device', device ? 'device is disabled' : `no device ${deviceId}`);
        } else if (device.superviseeId) {
          item.superviseeId = device.superviseeId;
        } else if (!protectedDevices.has(deviceId)) {
          refuseItem(batch, item, 'unknown_device', 'device is not assigned to a supervisee');
        }
      }
    },
  };
}
