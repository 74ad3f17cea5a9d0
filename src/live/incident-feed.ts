// In-process fan-out of committed incident changes to live consoles on this instance. With several
// instances a Redis channel feeds every instance's feed (issue 8); consoles that miss a message
// resume from the database by cursor, so the feed itself never has to be durable.
import { EventEmitter } from 'node:events';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';

export class IncidentFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(rows: readonly IncidentEventRow[]): void {
    for (const row of rows) this.emitter.emit('incident', row);
  }

  subscribe(listener: (row: IncidentEventRow) => void): () => void {
    this.emitter.on('incident', listener);
    return () => this.emitter.off('incident', listener);
  }
}
