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

  feed(buf: Buffer): void {
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i]!;
      if (this.inInsert) {
        this.value(c);
        continue;
      }
      if (c === 0x0a) {
        // mariadb-dump writes `INSERT INTO \`t\` VALUES` and then each row on a line of its own.
        if (!this.skipping && INSERT_RE.test(`${this.line} `)) this.startInsert(INSERT_RE.exec(`${this.line} `)![1]!);
        this.line = '';
        this.skipping = false;
        continue;
      }
      if (this.skipping) continue;
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

  private startInsert(quotedName: string): void {
    this.table = quotedName.replace(/``/g, '`');
    this.tables[this.table] ??= 0;
    this.inInsert = true;
    this.depth = 0;
  }

  private value(c: number): void {
    if (this.quote) {
      if (this.escape) this.escape = false;
      else if (c === 0x5c) this.escape = true; // backslash
      else if (c === this.quote) this.quote = 0; // a doubled '' closes then reopens: counts the same
      return;
    }
    if (c === 0x27 || c === 0x22) this.quote = c;
    else if (c === 0x28) {
      if (this.depth === 0) this.tables[this.table]!++;
      this.depth++;
    } else if (c === 0x29) this.depth--;
    else if (c === 0x3b && this.depth === 0) this.inInsert = false;
  }
}
