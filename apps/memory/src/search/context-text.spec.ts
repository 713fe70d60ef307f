import { buildContextText } from './context-text';

const doc = (title: string, body: string) => ({ title, path: `/docs/${title}`, observation: null, body_md: body });
const obs = (text: string) => ({ title: null, path: null, observation: text, body_md: null });

describe('context text', () => {
  it('joins documents under headings and observations as items, best first', () => {
    expect(buildContextText([doc('Deploy', 'run it'), obs('prefers dark mode')], 1000)).toEqual({
      context: '## Deploy\nrun it\n\n- prefers dark mode',
      included: 2,
    });
  });

  it('stays within max_chars, cutting the last memory that does not fit whole', () => {
    const { context, included } = buildContextText([obs('a'.repeat(10)), obs('b'.repeat(50))], 30);
    expect(Array.from(context)).toHaveLength(30);
    expect(context.endsWith('…')).toBe(true);
    expect(included).toBe(2);
    expect(buildContextText([obs('a'.repeat(100))], 5).context).toBe('- aa…');
  });
});
