/**
 * Runs `reload` after a change, coalescing bursts: callers arriving while a reload runs share the
 * next one, so registering 10,000 devices costs a handful of reloads, and every caller returns only
 * once a reload that started after its change has finished.
 */
export function coalescedReload(reload: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = reload().then(
      () => {
        running = null;
      },
      (err) => {
        running = null;
        throw err;
      },
    );
    return running;
  };
  return () => {
    if (!running) return start();
    next ??= running
      .catch(() => {})
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}
