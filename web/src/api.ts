// The REST API under /api/v1 with the session's bearer token. Errors are problem details (RFC 9457);
// a 401 means the token expired or the account was disabled, and ends the session.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export type Unauthorized = () => void;

export class Api {
  constructor(
    private readonly token: string | null,
    private readonly onUnauthorized: Unauthorized = () => {},
  ) {}

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.call<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** Fetches a file (PDF, CSV, JSON export) with the session's token and hands it to the browser as a download. */
  async download(
    path: string,
    query: Record<string, string | number | undefined>,
    filename: string,
  ): Promise<void> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const res = await fetch(`/api/v1${path}${qs ? `?${qs}` : ''}`, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    });
    if (!res.ok) {
      if (res.status === 401 && this.token) this.onUnauthorized();
      const problem = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
      throw new ApiError(res.status, problem.detail ?? problem.title ?? res.statusText);
    }
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.ok) return payload as T;
    if (res.status === 401 && this.token) this.onUnauthorized();
    const problem = (payload ?? {}) as { detail?: string; title?: string; retryAfterS?: number };
    throw new ApiError(res.status, problem.detail ?? problem.title ?? res.statusText, problem.retryAfterS);
  }
}
