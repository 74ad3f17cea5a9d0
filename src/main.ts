// `npm start`: load configuration, start the service, and shut down cleanly on SIGINT/SIGTERM
// (drain in-flight batches before the database closes; a second signal forces exit).

import { PortInUseError } from './adapters/mqtt/embedded-broker.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config);
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(config, log);
  } catch (err) {
    if (err instanceof PortInUseError) {
      log.fatal(err.message);
      process.exit(1);
    }
    log.fatal({ err }, 'service failed to start');
    process.exit(1);
  }
  log.info({ console: service.httpUrl, mqtt: service.mqttUrl }, 'service ready');
  if (service.seed.adminPassword) {
    log.info(`open ${service.httpUrl} and log in as "${service.seed.adminUsername}" with the password above`);
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: exiting without draining');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: draining in-flight work');
    service.stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
