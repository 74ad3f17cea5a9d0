import type { BrokerTarget } from './brokers.js';
export const mosquittoTarget: BrokerTarget = {
  name: 'mosquitto',
  async start() {
    throw new Error('mosquitto target not wired yet');
  },
};
