// Usage: node start.js [port] [storeTimeoutSeconds]
// Starts telegram-test-api (RAM storage) on 127.0.0.1 and prints "READY <url> pid=<pid>" when
// listening. Port 0 (the default) takes a free port; the URL says which.
// Stop with SIGTERM/SIGINT (prints "STOPPED").
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 0);
const storeTimeout = Number(process.argv[3] || 60); // seconds; also the cleanup interval
const server = new TelegramServer({ port, host: '127.0.0.1', storage: 'RAM', storeTimeout });
// The emulator reads a port of 0 as "unset" (9000); listen() itself takes 0 as "any free".
server.config.port = port;

// The emulator's client routes (/sendMessage, /sendCommand, /sendCallback) don't await
// addUserUpdate(); a missing botToken or a failing webhook POST becomes an unhandled
// rejection, which kills Node >=15. Log it instead so one bad request doesn't end the run.
process.on('unhandledRejection', (e) => console.error('UNHANDLED', e && e.message ? e.message : e));

server.start().then(() => {
  const bound = server.server.address().port;
  console.log(`READY http://127.0.0.1:${bound} pid=${process.pid}`);
}).catch((e) => { console.error('START FAILED', e.message); process.exit(1); });

let stopping = false;
const stop = async (sig) => {
  if (stopping) return;
  stopping = true;
  await server.stop(); // http-shutdown: stops listening, waits for in-flight requests, clears storage
  console.log(`STOPPED (${sig})`);
  process.exit(0);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
