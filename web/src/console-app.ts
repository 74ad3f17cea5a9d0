// What every page of a signed-in console shares: the API client, the live link, the incident queue
// and the map's people and zones. Live incident messages update the queue at once; the map is read
// again shortly after (positions are not pushed live yet) and every 30 s.
import { alarmCue } from './alarm.js';
import { Api } from './api.js';
import type { ConsoleConfig } from './config.js';
import { fromLiveRow, IncidentStore } from './incidents.js';
import { type LinkState, LiveLink } from './live.js';
import { isReadOnly, type Session } from './session.js';
import type { ConsoleMap, Incident } from './types.js';

const MAP_REFRESH_MS = 30_000;

export class ConsoleApp {
  readonly api: Api;
  readonly store = new IncidentStore();
  readonly live: LiveLink;
  readonly readOnly: boolean;
  map: ConsoleMap | null = null;
  private readonly mapListeners = new Set<() => void>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private readonly actors = new Map<string, string>();
  private mapTimer: ReturnType<typeof setInterval> | undefined;
  private mapSoon: ReturnType<typeof setTimeout> | undefined;
  private retryActive: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    readonly session: Session,
    readonly config: ConsoleConfig,
    onUnauthorized: () => void,
  ) {
    this.api = new Api(session.token, onUnauthorized);
    this.readOnly = isReadOnly(session);
    this.live = new LiveLink(session.token, {
      onFirstHello: () => void this.loadActive(),
      onIncident: (message) => {
        const incident = fromLiveRow(message.incident);
        if (!this.store.apply(incident)) return;
        this.store.changed();
        // Auditors review; the sound is for those who must act. A reopened incident is a new violation
        // the officer has not acknowledged (apply-alert-changes.ts): it sounds like a new one.
        const fresh = message.action === 'opened' || message.action === 'reopened';
        if (fresh && incident.severity === 'critical' && !this.readOnly) alarmCue();
        this.refreshMapSoon();
      },
      onState: (state) => {
        if (state.kind === 'expired') onUnauthorized();
        if (state.kind === 'live' && state.resumed) this.refreshMapSoon();
        for (const listener of this.linkListeners) listener(state);
      },
    });
  }

  start(): void {
    this.live.start();
    void this.refreshMap();
    this.mapTimer = setInterval(() => void this.refreshMap(), MAP_REFRESH_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryActive);
    this.live.stop();
    clearInterval(this.mapTimer);
    clearTimeout(this.mapSoon);
  }

  /**
   * Unresolved incidents in scope; called once the live link knows the head cursor. Retried until it
   * succeeds: without it the queue would show only what happens from now on.
   */
  async loadActive(): Promise<void> {
    try {
      const [open, acknowledged] = await Promise.all(
        (['open', 'acknowledged'] as const).map((state) =>
          this.api.get<{ items: Incident[] }>('/incidents', { state, limit: 200 }),
        ),
      );
      this.store.applyAll([...open!.items, ...acknowledged!.items]);
    } catch {
      if (!this.stopped) this.retryActive = setTimeout(() => void this.loadActive(), 3000);
    }
  }

  async loadResolved(): Promise<void> {
    const resolved = await this.api.get<{ items: Incident[] }>('/incidents', {
      state: 'resolved',
      limit: 50,
    });
    this.store.applyAll(resolved.items);
  }

  async refreshMap(): Promise<void> {
    try {
      this.map = await this.api.get<ConsoleMap>('/console/map');
      for (const listener of this.mapListeners) listener();
    } catch {
      // Kept: the last map stays on screen; the connection indicator tells the officer what is wrong.
    }
  }

  refreshMapSoon(): void {
    clearTimeout(this.mapSoon);
    this.mapSoon = setTimeout(() => void this.refreshMap(), 800);
  }

  personName(id: string): string {
    return this.map?.people.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  }

  /** Names of the users who acted on incidents in scope (GET /console/actors), cached per console. */
  async actorNames(ids: readonly string[]): Promise<Map<string, string>> {
    const missing = ids.filter((id) => !this.actors.has(id));
    if (missing.length) {
      const found = await this.api
        .get<{ items: { id: string; displayName: string; username: string; orgUnitName: string }[] }>(
          '/console/actors',
          {
            ids: missing.join(','),
          },
        )
        .catch(() => ({ items: [] }));
      for (const u of found.items)
        this.actors.set(u.id, `${u.displayName} (${u.username}) · ${u.orgUnitName}`);
    }
    return this.actors;
  }

  onMap(listener: () => void): () => void {
    this.mapListeners.add(listener);
    return () => this.mapListeners.delete(listener);
  }

  onLink(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }
}
