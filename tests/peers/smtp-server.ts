// A real SMTP receiver for tests: the npm smtp-server package listening on 127.0.0.1 (a free port), speaking
// SMTP over TCP to whatever client connects, as ../shared/peers.md ("SMTP") describes. STARTTLS is off (a
// plain-text session a test can reason about); `secure: true` serves TLS from the first byte with a fresh
// self-signed certificate made by openssl (what a client must refuse). Every accepted message is kept, its
// headers and text body decoded just enough for assertions.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope: MAIL FROM and every accepted RCPT TO. */
  from: string;
  to: string[];
  /** The user that logged in, when one did. */
  user: string | undefined;
  /** Header names in lower case, values unfolded and RFC 2047 words decoded (the last one wins). */
  headers: Record<string, string>;
  subject: string;
  /** The text/plain body, transfer encoding undone. */
  text: string;
  raw: string;
}

export interface SmtpPeer {
  host: string;
  port: number;
  /** Messages accepted so far, oldest first. */
  received: ReceivedMail[];
  /** Errors the server reported (a client that gave up mid-handshake, ...), for a test that wants to look. */
  errors: Error[];
  /** Resolves once `count` messages have been accepted (rejects after `timeoutMs`, default 30 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Closes the listener and every open connection. Idempotent. */
  stop(): Promise<void>;
}

export interface SmtpPeerOptions {
  /** Require this login (AUTH PLAIN/LOGIN over the plain session); without it, no login is asked for. */
  auth?: { user: string; password: string };
  /** Recipients answered with "550 no such user" at RCPT TO. */
  rejectRecipients?: string[];
  /**
   * TLS from the first byte, with a self-signed certificate for 127.0.0.1 made now. (smtp-server's built-in
   * certificate is not used: it has expired, which would hide the "self-signed" case behind "expired".)
   */
  secure?: boolean;
}

/** Starts a receiver on 127.0.0.1 at a free port. */
export async function startSmtpPeer(opts: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const errors: Error[] = [];
  const waiters: Array<() => void> = [];
  const options: SMTPServerOptions = {
    secure: opts.secure ?? false,
    ...(opts.secure ? selfSignedCertificate() : {}),
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) return callback(null, { user: auth.username });
      const err = new Error('Invalid username or password') as Error & { responseCode: number };
      err.responseCode = 535;
      callback(err);
    },
    onRcptTo(address, _session, callback) {
      if (opts.rejectRecipients?.includes(address.address)) {
        const err = new Error(`<${address.address}>: no such user here`) as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        received.push({
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          ...parseMessage(raw),
          raw,
        });
        for (const w of waiters.splice(0)) w();
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  // Without a listener, a client that drops the TLS handshake (as it must for an untrusted certificate) would
  // be an uncaught exception in the test process.
  server.on('error', (err: Error) => errors.push(err));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    received,
    errors,
    async waitFor(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the SMTP peer got ${received.length} message(s), expected ${count}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(timer); resolve(); });
        });
      }
      return received.slice(0, count);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
}

/** A key and a self-signed certificate for CN=127.0.0.1, valid for two days (openssl, in a temp dir removed at once). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-smtp-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'pipe' });
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Headers and the text/plain body of a single-part or multipart message (enough for what Lifeboat sends). */
function parseMessage(raw: string): Pick<ReceivedMail, 'headers' | 'subject' | 'text'> {
  const { headers, body } = splitPart(raw);
  const type = headers['content-type'] ?? 'text/plain';
  let text = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      const p = splitPart(part.replace(/^\r?\n/, ''));
      if (/^text\/plain/i.test(p.headers['content-type'] ?? '')) { text = decodeBody(p.body, p.headers['content-transfer-encoding']); break; }
    }
  } else {
    text = decodeBody(body, headers['content-transfer-encoding']);
  }
  return { headers, subject: headers.subject ?? '', text };
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=); adjacent words join without the space between. */
function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[QB]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  let out: string;
  if (enc === 'base64') out = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (enc === 'quoted-printable') {
    out = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } else out = body;
  // SMTP dot-stuffing is undone by smtp-server; the line ends are CRLF on the wire.
  return out.replace(/\r\n/g, '\n').replace(/\n$/, '');
}
