// WebDAV PROPFIND answers (RFC 4918 multistatus), read without an XML library. Servers differ in the
// prefix they give the DAV: namespace (Apache `D:` and `lp1:`, Nextcloud/ownCloud `d:`, others none at all),
// so elements are matched by local name only: the handful we read (href, propstat, status, prop,
// resourcetype, collection, getcontentlength, quota-available-bytes) have no namesakes in other namespaces
// that a server would put where we look.

/** One resource in a multistatus answer. */
export interface DavEntry {
  /** The resource's path, percent-decoded segment by segment, without a trailing slash ('/dav/repo/packs'). */
  path: string;
  /** The last segment of `path`, decoded ('' for the server root). */
  name: string;
  isCollection: boolean;
  /** getcontentlength from a propstat with status 200; undefined for collections and when not given. */
  size?: number;
  /** RFC 4331 quota-available-bytes when given with status 200 (may be negative: Nextcloud's "unlimited"). */
  quotaAvailable?: number;
}

interface XmlNode { name: string; children: XmlNode[]; text: string }

/**
 * Parses a 207 Multi-Status body. `requestUrl` resolves relative and absolute hrefs alike (Apache sends
 * paths, some servers send whole URLs). Properties in a propstat whose status is not 2xx are ignored
 * (Nextcloud lists a collection's missing getcontentlength under 404). Throws on a body that is not a
 * multistatus at all; an entry whose href cannot be decoded is skipped rather than failing the listing.
 */
export function parseMultistatus(xml: string, requestUrl: string | URL): DavEntry[] {
  const root = parseXml(xml);
  const ms = root.children.find((n) => n.name === 'multistatus');
  if (!ms) throw new Error('not a WebDAV multistatus answer');
  const out: DavEntry[] = [];
  for (const resp of ms.children.filter((n) => n.name === 'response')) {
    const href = child(resp, 'href')?.text.trim();
    if (!href) continue;
    const path = decodePath(href, requestUrl);
    if (path === undefined) continue;
    const entry: DavEntry = { path, name: path.slice(path.lastIndexOf('/') + 1), isCollection: false };
    for (const ps of resp.children.filter((n) => n.name === 'propstat')) {
      if (!isOk(child(ps, 'status')?.text)) continue;
      const prop = child(ps, 'prop');
      if (!prop) continue;
      if (child(prop, 'resourcetype')?.children.some((n) => n.name === 'collection')) entry.isCollection = true;
      const size = integer(child(prop, 'getcontentlength')?.text);
      if (size !== undefined && size >= 0) entry.size = size;
      const quota = integer(child(prop, 'quota-available-bytes')?.text);
      if (quota !== undefined) entry.quotaAvailable = quota;
    }
    // A response-level status (no propstat) is how some servers report a missing member: not an entry.
    const bare = child(resp, 'status');
    if (bare && !isOk(bare.text)) continue;
    if (entry.isCollection) delete entry.size;
    out.push(entry);
  }
  return out;
}

/** The decoded path of a URL (as parseMultistatus gives it), for comparing against entries. */
export function decodePath(href: string, base: string | URL): string | undefined {
  try {
    const segments = new URL(href, base).pathname.split('/').map((s) => decodeURIComponent(s));
    return segments.join('/').replace(/\/+$/, '') || '';
  } catch {
    return undefined;
  }
}

function child(n: XmlNode, name: string): XmlNode | undefined {
  return n.children.find((c) => c.name === name);
}

function isOk(status: string | undefined): boolean {
  // "HTTP/1.1 200 OK"; a propstat without a status is malformed, but reading it as OK loses nothing.
  const m = status ? /\s(\d{3})\b/.exec(` ${status.trim()}`) : null;
  return !m || m[1]!.startsWith('2');
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*-?\d+\s*$/.test(text)) return undefined;
  return Number(text.trim());
}

const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|([^<]+)/y;

/**
 * A minimal XML reader: elements by local name (prefix dropped), text with entities decoded. Enough for
 * multistatus bodies; it does not validate, and a DOCTYPE is skipped, never expanded (no entity tricks).
 */
function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token = new RegExp(TOKEN);
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const m = token.exec(xml);
    if (!m) throw new Error(`malformed XML at character ${at}`);
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[6] !== undefined) top.text += decodeEntities(m[6]);
    else if (m[3] !== undefined) {
      const name = m[3].slice(m[3].indexOf(':') + 1);
      if (m[2] === '/') {
        if (stack.length > 1 && top.name === name) stack.pop();
        else throw new Error(`malformed XML: unexpected </${m[3]}>`);
      } else {
        const node: XmlNode = { name, children: [], text: '' };
        top.children.push(node);
        if (m[5] !== '/') stack.push(node);
      }
    }
  }
  if (stack.length !== 1) throw new Error('malformed XML: unclosed elements');
  return root;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED[e.toLowerCase()] ?? whole;
  });
}
