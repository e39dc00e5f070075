// An apcupsd network information server (NIS) for tests. apcupsd cannot simulate a UPS, so this serves the
// wire format from /work/shared/peers.md ("UPS: apcupsd NIS protocol") the way apcupsd's apcnis.c does:
// any number of requests per connection, each a big-endian u16 length + command; the answer to "status" is
// records of u16 length + "KEY      : value\n" (key padded to 9), then a zero length.
import net from 'node:net';

export type NisStatus = 'ONLINE' | 'ONBATT' | 'ONBATT LOWBATT';

export interface NisServer {
  host: string;
  port: number;
  /** apcupsd://127.0.0.1:PORT */
  url: string;
  /** What the next `status` answer says; `slave` adds the " SLAVE" suffix a networked apcupsd shows. */
  setStatus(status: NisStatus, options?: { slave?: boolean }): void;
  /** How many `status` requests were answered, and on how many connections (to check the connection is kept). */
  stats(): { requests: number; connections: number };
  /** Closes the listener and every open connection. Idempotent. */
  stop(): Promise<void>;
}

// STATFLAG as apcupsd sets it: 0x05000000 = plugged in + battery present; 0x08 online, 0x10 on battery,
// 0x40 battery low, 0x400 slave.
const FLAGS: Record<NisStatus, number> = { ONLINE: 0x05000008, ONBATT: 0x05000010, 'ONBATT LOWBATT': 0x05000050 };
const CHARGE: Record<NisStatus, string> = { ONLINE: '100.0', ONBATT: '84.0', 'ONBATT LOWBATT': '9.0' };
const MINUTES: Record<NisStatus, string> = { ONLINE: '30.0', ONBATT: '24.5', 'ONBATT LOWBATT': '2.0' };

function record(key: string, value: string): Buffer {
  const line = Buffer.from(`${key.padEnd(9)}: ${value}\n`, 'latin1');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(line.length);
  return Buffer.concat([head, line]);
}

function statusAnswer(status: NisStatus, slave: boolean): Buffer {
  const flags = FLAGS[status] | (slave ? 0x400 : 0);
  const date = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000');
  const rows: [string, string][] = [
    ['APC', '001,036,0870'], ['DATE', date], ['HOSTNAME', 'lifeboat-test'], ['VERSION', '3.14.14 (31 May 2016) debian'],
    ['UPSNAME', 'office'], ['CABLE', slave ? 'Ethernet Link' : 'USB Cable'], ['DRIVER', slave ? 'NETWORK UPS Driver' : 'USB UPS Driver'],
    ['UPSMODE', 'Stand Alone'], ['STARTTIME', date], ['MODEL', 'Back-UPS ES 700G'],
    // apcupsd writes "ONLINE " with a trailing space (apcstatus.c appends "FLAG " per flag).
    ['STATUS', `${status} ${slave ? 'SLAVE ' : ''}`], ['LINEV', status === 'ONLINE' ? '230.0 Volts' : '000.0 Volts'],
    ['LOADPCT', '12.0 Percent'], ['BCHARGE', `${CHARGE[status]} Percent`], ['TIMELEFT', `${MINUTES[status].padStart(5)} Minutes`],
    ['MBATTCHG', '5 Percent'], ['MINTIMEL', '3 Minutes'], ['MAXTIME', '0 Seconds'], ['NUMXFERS', '0'],
    ['TONBATT', '0 Seconds'], ['STATFLAG', `0x${flags.toString(16).toUpperCase().padStart(8, '0')}`], ['END APC', date],
  ];
  return Buffer.concat([...rows.map(([k, v]) => record(k, v)), Buffer.alloc(2)]);
}

function errorAnswer(message: string): Buffer {
  // apcnis.c sends sizeof(errmsg), so the C string's NUL goes on the wire too.
  const body = Buffer.from(`${message}\n\0`, 'latin1');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body, Buffer.alloc(2)]);
}

/** Starts a NIS server on 127.0.0.1 (a free port unless `port` is given), answering `status` with ONLINE at first. */
export async function startNisServer(opts: { port?: number; status?: NisStatus; slave?: boolean } = {}): Promise<NisServer> {
  let status: NisStatus = opts.status ?? 'ONLINE';
  let slave = opts.slave ?? false;
  let requests = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const command = buf.subarray(2, 2 + buf.readUInt16BE(0)).toString('latin1');
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (command.startsWith('status')) {
          requests++;
          socket.write(statusAnswer(status, slave));
        } else {
          socket.write(errorAnswer('Invalid command'));
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `apcupsd://127.0.0.1:${port}`,
    setStatus(s, o = {}) {
      status = s;
      slave = o.slave ?? false;
    },
    stats: () => ({ requests, connections }),
    stop: () => (stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    })),
  };
}
