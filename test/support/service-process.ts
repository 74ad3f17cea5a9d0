// The service as its own process (`node --import tsx src/main.ts`), for crash and signal tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
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
  );
  return {
    child,
    httpUrl,
    output: () => out,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
