// Child process of bench/ingest.ts: the "subscriber that does nothing" against which the broker's own
// QoS 1 relay rate is measured. It runs in its own process for the same reason the service does: it
// must not share the publishers' event loop. It takes a persistent MQTT v5 session with the same
// receive maximum as the service's ingest client, subscribes at QoS 1 to the native telemetry filter,
// and acknowledges every message at once (MQTT.js sends the PUBACK when handleMessage calls back).
//
// Protocol with the parent (IPC): it sends {type:'ready'} once subscribed; counts messages; sends
// {type:'progress', received} every 250 ms; when `warm + count` messages have arrived it sends
// {type:'done', received, seconds} where seconds spans messages warm..warm+count. On {type:'stop'} it
// waits until `expected` messages have arrived (or 10 s), then ends its session (session expiry 0 on
// DISCONNECT, so the broker stops queueing for it) and exits.
import mqtt from 'mqtt';

interface Options {
  url: string;
  username: string;
  password: string;
  clientId: string;
  topic: string;
  warm: number;
  count: number;
  receiveMaximum: number;
}

const opts = JSON.parse(process.env.RELAY_SUBSCRIBER_OPTIONS ?? '{}') as Options;
const send = (msg: object) => process.send?.(msg);

const client = mqtt.connect(opts.url, {
  clientId: opts.clientId,
  username: opts.username,
  password: opts.password,
  clean: false,
  protocolVersion: 5,
  reconnectPeriod: 1000,
  connectTimeout: 10_000,
  properties: { sessionExpiryInterval: 3600, receiveMaximum: opts.receiveMaximum },
});
client.on('error', (err) => send({ type: 'error', message: err.message }));

let received = 0;
let tWarm = 0;
let reported = false;
client.handleMessage = (_packet, callback) => {
  received++;
  if (received === opts.warm) tWarm = performance.now();
  else if (received === opts.warm + opts.count && !reported) {
    reported = true;
    send({ type: 'done', received, seconds: (performance.now() - tWarm) / 1000 });
  }
  callback();
};

const progress = setInterval(() => send({ type: 'progress', received }), 250);

client.once('connect', () => {
  client.subscribe(opts.topic, { qos: 1 }, (err, granted) => {
    if (err || !granted || granted.some((g) => g.qos !== 1)) {
      send({ type: 'error', message: `subscribe failed: ${err?.message ?? JSON.stringify(granted)}` });
      return;
    }
    send({ type: 'ready' });
  });
});

process.on('message', (msg: { type: string; expected?: number }) => {
  if (msg.type !== 'stop') return;
  const deadline = Date.now() + 10_000;
  const finish = () => {
    if (received < (msg.expected ?? 0) && Date.now() < deadline) {
      setTimeout(finish, 50);
      return;
    }
    clearInterval(progress);
    send({ type: 'stopped', received });
    // Session expiry 0 on DISCONNECT [MQTT-3.14.2.2.2]: the broker discards the session and its queue.
    client.end(false, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } }, () => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  finish();
});
process.on('disconnect', () => process.exit(0));
