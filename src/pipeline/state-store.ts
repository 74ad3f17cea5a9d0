// Per-person decision state between batches. The embedded default keeps it in memory; several
// instances share it through Redis (issue 8). Written only after the batch that produced it commits.
import type { PersonState } from '../domain/rules/person-state.js';

export interface PersonStateStore {
  get(personId: string): PersonState | undefined;
  setMany(states: ReadonlyMap<string, PersonState>): void;
  readonly size: number;
}

export class MemoryStateStore implements PersonStateStore {
  private readonly states = new Map<string, PersonState>();

  get(personId: string): PersonState | undefined {
    return this.states.get(personId);
  }

  setMany(states: ReadonlyMap<string, PersonState>): void {
    for (const [id, s] of states) this.states.set(id, s);
  }

  get size(): number {
    return this.states.size;
  }
}
