import { WardenError } from '@warden/errors';
import { mayHoldPrototypeKey, refusePrototypeKeys } from '../json-body';

/**
 * Parses an `application/json-lines` body (ClearML's batch calls, e.g. events.add_batch): one
 * JSON object per line, blank lines skipped. Stops at the first bad line, naming it (1-based).
 * The body size limit bounds the number of items.
 */
export function parseJsonLines(body: string): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line !== '') items.push(parseLine(line, i + 1));
  }
  return items;
}

function parseLine(line: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new WardenError('ERR_INVALID_JSON', `line ${lineNumber} is not valid JSON`, { line: lineNumber });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WardenError('ERR_INVALID_JSON', `line ${lineNumber} is not a JSON object`, { line: lineNumber });
  }
  if (mayHoldPrototypeKey(line)) refusePrototypeKeys(value, `line ${lineNumber}`);
  return value as Record<string, unknown>;
}
