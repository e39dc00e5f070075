// The engine process under plain Node (child_process.fork with an IPC channel): the same serveEngine the
// desktop app runs in Electron's utilityProcess (electron/engine-entry.ts), used by the tests and usable by
// any Node host. When the parent goes away, the agent stops safely and the process exits.
import { createLogger } from '../agent/logger.ts';
import { RpcPeer } from './rpc-peer.ts';
import { serveEngine } from './engine-host.ts';

if (!process.send) {
  process.stderr.write('lifeboat engine: start me with an IPC channel (child_process.fork)\n');
  process.exit(2);
}
// A send after the app went away must not crash the engine mid-stop: the callback takes the channel's error.
const peer = new RpcPeer({
  post: (m) => {
    if (!process.connected) throw new Error('the app went away');
    process.send!(m, undefined, {}, () => {});
  },
  onMessage: (fn) => process.on('message', fn),
});
const { stopped, stop } = serveEngine(peer, createLogger());
process.on('disconnect', () => {
  peer.close('the app went away');
  void stop();
});
void stopped.then(() => {
  // Let the answer to 'stop' go out before the channel closes.
  setImmediate(() => process.connected && process.disconnect());
});
