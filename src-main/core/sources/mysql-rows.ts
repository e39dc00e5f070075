/**
 * Counts the rows a mysqldump / mariadb-dump file inserts into each table, fed the dump as it streams by:
 * `INSERT INTO \`t\` VALUES (...),(...);` with quoted strings ('...' with backslash escapes and '' doubled),
 * hex literals and nested parentheses inside values. These counts go into the manifest and are what a
 * verify-by-restore compares with, so they describe exactly the dump, not the live table a moment later.
 */
const PREFIX = 'INSERT INTO `';
const INSERT_RE = /^INSERT INTO `((?:[^`]|``)+)` (?:\([^)]*\) )?VALUES $/;

export class MysqlRowCounter {
  readonly tables: Record<string, number> = {};
  private line = '';       // the start of the current line, while it may still be an INSERT
  private skipping = false; // the rest of this line is not an INSERT
  private inInsert = false;
  private table = '';
  private depth = 0;
  private quote = 0;       // the quote character we are inside, or 0
  private escape = false;
  private nextBackslash = -1; // in the current buffer; buf.length when there is none ahead

  feed(buf: Buffer): void {
    // Hot loop over every byte of a dump that may be gigabytes: state in locals, and quoted strings skipped
    // with indexOf rather than byte by byte.
    this.nextBackslash = -1;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.inInsert) {
        let depth = this.depth;
        let count = 0;
        if (this.quote) {
          i = this.skipQuoted(buf, i);
          if (this.quote) return; // the string goes on in the next buffer
        }
        let ended = false;
        for (; i < n; i++) {
          const c = buf[i]!;
          if (c === 0x27 || c === 0x22) {
            this.quote = c;
            i = this.skipQuoted(buf, i + 1) - 1;
            if (this.quote) { i = n; break; }
          } else if (c === 0x28) {
            if (depth === 0) count++;
            depth++;
          } else if (c === 0x29) depth--;
          else if (c === 0x3b && depth === 0) {
            ended = true;
            i++;
            break;
          }
        }
        this.depth = depth;
        this.tables[this.table]! += count;
        if (ended) this.inInsert = false;
        continue;
      }
      const c = buf[i++]!;
      if (c === 0x0a) {
        // mariadb-dump writes `INSERT INTO \`t\` VALUES` and then each row on a line of its own.
        if (!this.skipping && INSERT_RE.test(`${this.line} `)) this.startInsert(INSERT_RE.exec(`${this.line} `)![1]!);
        this.line = '';
        this.skipping = false;
        continue;
      }
      if (this.skipping) {
        const nl = buf.indexOf(0x0a, i);
        i = nl < 0 ? n : nl;
        continue;
      }
      this.line += String.fromCharCode(c);
      if (this.line.length <= PREFIX.length) {
        if (!PREFIX.startsWith(this.line)) this.skipping = true;
      } else if (this.line.endsWith(' VALUES ')) {
        const m = INSERT_RE.exec(this.line);
        if (m) this.startInsert(m[1]!);
        this.skipping = true;
      } else if (this.line.length > 512) {
        this.skipping = true;
      }
    }
  }

  /** From `i` inside a string quoted by this.quote: the index just past its closing quote (this.quote then 0), or buf.length. */
  private skipQuoted(buf: Buffer, i: number): number {
    const q = this.quote;
    if (this.escape) {
      this.escape = false;
      i++;
    }
    for (;;) {
      const qi = buf.indexOf(q, i);
      // The next backslash at or after i, found once per stretch of the buffer (strings are many and short,
      // backslashes rare: searching for one from every string would go quadratic).
      if (this.nextBackslash !== buf.length && this.nextBackslash < i) {
        const b = buf.indexOf(0x5c, i);
        this.nextBackslash = b < 0 ? buf.length : b;
      }
      const bi = this.nextBackslash < buf.length ? this.nextBackslash : -1;
      if (bi >= 0 && (qi < 0 || bi < qi)) {
        // A backslash escapes the next byte, which may be in the next buffer.
        if (bi + 1 >= buf.length) {
          this.escape = true;
          return buf.length;
        }
        i = bi + 2;
        continue;
      }
      if (qi < 0) return buf.length;
      this.quote = 0; // a doubled '' closes then reopens: counts the same
      return qi + 1;
    }
  }

  private startInsert(quotedName: string): void {
    this.table = quotedName.replace(/``/g, '`');
    this.tables[this.table] ??= 0;
    this.inInsert = true;
    this.depth = 0;
  }
}
