/**
 * A JSON request body read strictly: application/json, valid JSON, an object at the top, and no
 * member named twice in any object (JSON.parse would silently keep the last: two readers of one
 * body could disagree on what it says), nested at most 20 deep. Bad input is invalid_request
 * (400), never a 5xx.
 */
import { OAuthError, truncate } from '../core/errors.js';

/** Far deeper than any client metadata; deeper documents would exhaust the stack of whoever walks them. */
const MAX_DEPTH = 20;

/** What is wrong with the shape of `text` (valid JSON): a member repeated in an object, too deep a nesting; or null. */
function shapeProblem(text: string): string | null {
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
      if (stack.length > MAX_DEPTH) return `the JSON body is nested deeper than ${MAX_DEPTH} levels`;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack.at(-1) instanceof Set;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const members = stack.at(-1);
      if (expectKey && members) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (members.has(name)) return `member repeated in the JSON body: ${truncate(name)}`;
        members.add(name);
      }
      expectKey = false;
      i = end;
    }
  }
  return null;
}

export function parseJsonObject(contentType: string | undefined, body: unknown): Record<string, unknown> {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw OAuthError.invalidRequest('the body must be application/json');
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw OAuthError.invalidRequest('the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw OAuthError.invalidRequest('the body must be a JSON object');
  const problem = shapeProblem(text);
  if (problem !== null) throw OAuthError.invalidRequest(problem);
  return value as Record<string, unknown>;
}
