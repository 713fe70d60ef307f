import { MnemoError } from '@mnemo/contracts';

/**
 * Parsing of RPC requests. Unknown fields are ignored rather than refused: callers and this service are
 * deployed independently, and a newer caller may send a field an older service does not know yet (the
 * gateway is where a client's unknown fields are refused).
 */
type Fields = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A pragmatic shape check: identity owns addresses and verifies them by mail; this only refuses nonsense.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;
const MAX_USER_NAME_LENGTH = 100;

function invalid(field: string, message: string): MnemoError {
  return new MnemoError('VALIDATION_ERROR', message, { field });
}

function fieldsOf(data: unknown): Fields {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('body', 'the request must be an object');
  return data as Fields;
}

function userId(fields: Fields): string {
  const value = fields.user_id;
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid('user_id', 'user_id must be a UUID');
  return value.toLowerCase();
}

function workspaceId(fields: Fields): number {
  const value = fields.workspace_id;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw invalid('workspace_id', 'workspace_id must be a positive integer');
  }
  return value;
}

function email(fields: Fields): string {
  const value = fields.email;
  if (typeof value !== 'string') throw invalid('email', 'email must be an email address');
  const trimmed = value.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH || !EMAIL.test(trimmed)) throw invalid('email', 'email must be an email address');
  return trimmed;
}

/** The user's display name (API.md: 1–100); blank counts as absent. */
function optionalUserName(fields: Fields): string | undefined {
  const value = fields.name;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('name', 'name must be a string');
  const trimmed = value.trim();
  if (Array.from(trimmed).length > MAX_USER_NAME_LENGTH) throw invalid('name', `name must be at most ${MAX_USER_NAME_LENGTH} characters`);
  return trimmed || undefined;
}

export function parseCreatePersonalWorkspaceRequest(data: unknown): { userId: string; email: string; name?: string } {
  const fields = fieldsOf(data);
  const name = optionalUserName(fields);
  return { userId: userId(fields), email: email(fields), ...(name === undefined ? {} : { name }) };
}

export function parseWorkspaceUserRequest(data: unknown): { workspaceId: number; userId: string } {
  const fields = fieldsOf(data);
  return { workspaceId: workspaceId(fields), userId: userId(fields) };
}

/** `user_id` is optional: without it, the caller (the gateway) has already checked access. */
export function parseWorkspaceRequest(data: unknown): { workspaceId: number; userId?: string } {
  const fields = fieldsOf(data);
  const id = workspaceId(fields);
  return fields.user_id === undefined ? { workspaceId: id } : { workspaceId: id, userId: userId(fields) };
}

export function parseWorkspaceIdRequest(data: unknown): { workspaceId: number } {
  return { workspaceId: workspaceId(fieldsOf(data)) };
}

export function parseUserRequest(data: unknown): { userId: string } {
  return { userId: userId(fieldsOf(data)) };
}
