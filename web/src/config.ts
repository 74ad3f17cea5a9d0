// Settings the server writes into the page at serve time (src/http/console-plugin.ts).
export interface ConsoleConfig {
  /** Leaflet tile template; empty means no base map (offline supervision centres). */
  readonly mapTileUrl: string;
}

export function readConfig(): ConsoleConfig {
  const text = document.getElementById('em-config')?.textContent;
  const parsed = text ? (JSON.parse(text) as Partial<ConsoleConfig>) : {};
  return { mapTileUrl: typeof parsed.mapTileUrl === 'string' ? parsed.mapTileUrl : '' };
}
