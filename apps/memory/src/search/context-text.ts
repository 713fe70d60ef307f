/** What the context text needs of a memory. */
export interface ContextSource {
  title: string | null;
  path: string | null;
  observation: string | null;
  body_md: string | null;
}

const SEPARATOR = '\n\n';

function block(memory: ContextSource): string {
  const content = memory.body_md ?? memory.observation ?? '';
  const heading = memory.title ?? memory.path;
  return heading ? `## ${heading}\n${content}` : `- ${content}`;
}

/**
 * Joins the best memories, best first, into one text of at most `maxChars` characters: documents under a
 * heading (title, else path), observations as list items. The last memory that does not fit whole is cut (with
 * an ellipsis) rather than dropped, so a small budget still gets the best memory's beginning.
 * `included` counts the memories that are in the text, whole or cut.
 */
export function buildContextText(memories: ContextSource[], maxChars: number): { context: string; included: number } {
  let context = '';
  let length = 0;
  let included = 0;
  for (const memory of memories) {
    const prefix = included === 0 ? '' : SEPARATOR;
    const next = Array.from(prefix + block(memory));
    const room = maxChars - length;
    if (next.length <= room) {
      context += next.join('');
      length += next.length;
      included++;
      continue;
    }
    if (room - prefix.length > 1) {
      context += next.slice(0, room - 1).join('') + '…';
      included++;
    }
    break;
  }
  return { context, included };
}
