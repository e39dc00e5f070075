// The engine's process in the desktop app: Electron's utilityProcess runs this file (dist/main/engine-entry.js),
// the app's main process talks to it through process.parentPort. All it does is hand that port to
// serveEngine, the same code tests run under plain Node (engine-host/node-entry.ts). Runs only under Electron.
import { createLogger } from '../agent/logger.ts';
import { RpcPeer } from '../engine-host/rpc-peer.ts';
import { serveEngine } from '../engine-host/engine-host.ts';

const port = process.parentPort;
const peer = new RpcPeer({ post: (m) => port.postMessage(m), onMessage: (fn) => port.on('message', (e) => fn(e.data)) });
const { stopped } = serveEngine(peer, createLogger());
void stopped.then(() => setImmediate(() => process.exit(0)));
