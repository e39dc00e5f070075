// nodemailer's errors in words an office admin can act on. nodemailer sets `code` to its own class of error
// (ESOCKET, EAUTH, EENVELOPE, ...) and keeps the system's code (ECONNREFUSED, a certificate error) in
// `originalCode`; the server's reply is in `response` / `responseCode`.

interface SmtpErrorFields {
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  rejected?: string[];
  message?: string;
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available',
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'no answer in time',
};

const CERTIFICATE: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by an authority this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by an authority this machine does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cannot be checked (its chain is incomplete)',
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet (is the clock right?)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is for another host name',
};

/**
 * One sentence saying why sending to `server` failed: cannot reach it ("cannot reach the SMTP server
 * host:port (connection refused: ...)"), refused login ("the SMTP server refused the user name or password"),
 * refused recipient ("the server refused the recipient x@y"), a TLS problem, or the server's own words.
 * Never throws; never includes a password (nodemailer's messages hold none).
 */
export function explainSmtpError(err: unknown, server: { host: string; port: number; secure?: boolean }): string {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SmtpErrorFields;
  const where = `${server.host}:${server.port}`;
  const said = e.response ? ` (${firstLine(e.response)})` : '';
  const system = e.originalCode ?? '';
  const message = firstLine(e.message ?? '');

  if (e.code === 'EAUTH') return `the SMTP server refused the user name or password${said}`;
  if (e.code === 'ENOAUTH') return 'the SMTP server wants a user name and password, and none is set';
  if (e.code === 'EENVELOPE') {
    if (e.responseCode === 530 || /authenticat/i.test(e.response ?? '')) return `the SMTP server wants a user name and password before it takes mail${said}`;
    if (e.command === 'MAIL FROM') return `the server refused the sender address${said}`;
    if (e.rejected?.length) return `the server refused the recipient${e.rejected.length > 1 ? 's' : ''} ${e.rejected.join(', ')}${said}`;
    return `the server refused the message envelope: ${message}${said}`;
  }
  if (CERTIFICATE[system]) return `TLS with the SMTP server ${where} failed: its certificate ${CERTIFICATE[system]}`;
  if (system === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return `TLS with the SMTP server ${where} failed: it does not speak TLS from the first byte on this port; turn off "secure" (ports 25 and 587 start plain and switch with STARTTLS)`;
  }
  if (e.code === 'ETLS') return `TLS with the SMTP server ${where} failed: ${message}`;
  if (e.code === 'ETIMEDOUT' || system === 'ETIMEDOUT') {
    const hint = !server.secure && server.port === 465 ? '; port 465 expects TLS from the first byte: turn on "secure"' : '';
    return `cannot reach the SMTP server ${where} (no answer in time${hint})`;
  }
  if (e.code === 'EDNS') return `cannot reach the SMTP server ${where} (${UNREACHABLE[system] ?? 'no such host name'})`;
  if (e.code === 'ESOCKET' || e.code === 'ECONNECTION') return `cannot reach the SMTP server ${where} (${UNREACHABLE[system] ?? (message || 'connection failed')})`;
  if (e.code === 'EPROTOCOL') return `${where} does not answer like an SMTP server${said}`;
  if (e.code === 'EMESSAGE' || e.responseCode) return `the SMTP server refused the message${said || `: ${message}`}`;
  return `sending the e-mail failed: ${message || 'unknown error'}`;
}

function firstLine(s: string): string {
  return s.split(/\r?\n/)[0]!.trim();
}
