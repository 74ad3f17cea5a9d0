// `npm run schemas`: writes the device contract as JSON Schema (draft 2020-12) for device makers.
// The input side is exported: it is what a device must send.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  DeviceConfig,
  DeviceEventType,
  FixSource,
  NativeEvents,
  NativeTelemetry,
  OsmAndJson,
  OsmAndParams,
  OwnTracksLocation,
  RefusalReason,
} from '../schemas/index.js';

const contract: Readonly<Record<string, z.ZodType>> = {
  'native-telemetry': NativeTelemetry,
  'native-events': NativeEvents,
  'device-config': DeviceConfig,
  'owntracks-location': OwnTracksLocation,
  'osmand-params': OsmAndParams,
  'osmand-json': OsmAndJson,
  'fix-source': FixSource,
  'device-event-type': DeviceEventType,
  'refusal-reason': RefusalReason,
};

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'json');
await mkdir(outDir, { recursive: true });
for (const [name, schema] of Object.entries(contract)) {
  const jsonSchema = { $id: `${name}.json`, ...z.toJSONSchema(schema, { io: 'input' }) };
  await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(jsonSchema, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(contract).length} JSON Schemas to ${outDir}`);
