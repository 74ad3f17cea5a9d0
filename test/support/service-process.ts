// The service as its own process (`node --import tsx src/main.ts`), for crash and signal tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  output(): string;
  /**
   * Sends `signal` and waits for the exit code. A process that has not exited after `timeoutMs`
   * fails the call with its output (a hung graceful stop is a finding, not a test timeout).
   */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export async function spawnService(
  env: Record<string, string>,
  httpPort: number,
  readyTimeoutMs = 60_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(httpPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A failing assertion must not leave a service running after the test run.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`service exited during start-up:\n${out}`);
      const res = await fetch(`${httpUrl}/readyz`).catch(() => null);
      return res?.status === 200;
    },
    readyTimeoutMs,
    200,
  ).catch((e: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message} (service not ready):\n${out.slice(-4000)}`);
  });
  return {
    child,
    httpUrl,
    output: () => out,
    async kill(signal, timeoutMs = 60_000) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`service did not exit within ${timeoutMs} ms of ${signal}:\n${out.slice(-4000)}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, overdue]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
