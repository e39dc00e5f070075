import { notFound, objectPath, readBody, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';

/** A target in memory, for fast tests of the code above targets (copies, the queue, retention). */
export class MemoryTarget implements Target {
  readonly location: string;
  readonly objects = new Map<string, Buffer>();
  /** Bytes accepted by save(), for tests that count what was sent. */
  bytesSaved = 0;
  /** When set, the target holds at most this many bytes: a save beyond it fails as a full disk. */
  capacity: number | undefined;

  constructor(location = 'memory') {
    this.location = location;
  }

  async save(h: Handle, body: Body): Promise<void> {
    const key = `${h.kind}/${h.name}`;
    objectPath(h); // validates the name
    const data = await readBody(body);
    if (this.capacity !== undefined && this.used() - (this.objects.get(key)?.length ?? 0) + data.length > this.capacity) {
      throw new TargetError('permanent', 'no-space', `${this.location} is full`);
    }
    this.objects.set(key, data);
    this.bytesSaved += data.length;
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const data = this.objects.get(`${h.kind}/${h.name}`);
    if (!data) throw notFound(this.location, h);
    if (!range) return Buffer.from(data);
    if (range.offset + range.length > data.length) throw new TargetError('permanent', 'corrupt', `${objectPath(h)} is shorter than expected`);
    return Buffer.from(data.subarray(range.offset, range.offset + range.length));
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    const data = this.objects.get(`${h.kind}/${h.name}`);
    if (!data) throw notFound(this.location, h);
    return { name: h.name, size: data.length };
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const [key, data] of this.objects) if (key.startsWith(`${kind}/`)) out.push({ name: key.slice(kind.length + 1), size: data.length });
    return out;
  }

  async remove(h: Handle): Promise<void> {
    this.objects.delete(`${h.kind}/${h.name}`);
  }

  async freeSpace(): Promise<number | undefined> {
    return this.capacity === undefined ? undefined : this.capacity - this.used();
  }

  async close(): Promise<void> {}

  private used(): number {
    let n = 0;
    for (const d of this.objects.values()) n += d.length;
    return n;
  }
}
