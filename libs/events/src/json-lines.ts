import { WardenError } from '@warden/errors';

/**
 * Parses an `application/json-lines` body of events.add_batch: one JSON object per line, blank
 * lines skipped. Stops at the first bad line, naming it (1-based), and refuses more than
 * `maxEvents` events before parsing the rest.
 */
export function parseJsonLines(body: string | Buffer, maxEvents: number): unknown[] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const events: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (events.length >= maxEvents) {
      throw new WardenError('ERR_EVENTS_BATCH_TOO_LARGE', `events batch exceeds the limit of ${maxEvents} events`, { limit: maxEvents });
    }
    events.push(parseLine(line, i + 1));
  }
  return events;
}

function parseLine(line: string, lineNumber: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new WardenError('ERR_INVALID_JSON', `line ${lineNumber} is not valid JSON`, { line: lineNumber });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WardenError('ERR_INVALID_JSON', `line ${lineNumber} is not a JSON object`, { line: lineNumber });
  }
  return value;
}
