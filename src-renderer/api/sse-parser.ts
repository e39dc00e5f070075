// A parser for the text/event-stream format, fed in arbitrary chunks (a network read may end mid-line or
// mid-character; the caller decodes bytes with a streaming TextDecoder first). Pure, so it is unit tested.

/** One dispatched server-sent event: its name ("message" when the stream gave none) and its data lines joined. */
export interface SseEvent { event: string; data: string }

/**
 * Returns a feed function: give it each decoded chunk and it returns the events completed by that chunk, in
 * order. Comments (lines starting with ":") and fields other than event/data are ignored; a block with no
 * data line dispatches nothing, as the SSE specification says.
 */
export function createSseParser(): (chunk: string) => SseEvent[] {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) break;
      const line = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length) out.push({ event: event || 'message', data: data.join('\n') });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    return out;
  };
}
