/**
 * Atlassian Document Format, as far as the stand-in needs it: REST v3 takes and returns rich text (descriptions,
 * comment bodies) as ADF documents, v2 as plain text. The stand-in keeps plain text and converts at the edge.
 */

/** An ADF document of one paragraph per line of `text`. */
export function adfDocument(text: string): Record<string, unknown> {
  return {
    type: 'doc',
    version: 1,
    content: text.split('\n').map((line) => ({
      type: 'paragraph',
      content: line === '' ? [] : [{ type: 'text', text: line }],
    })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is an ADF document (`{type: 'doc', version: 1, content: […]}`). */
export function isAdfDocument(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.type === 'doc' && value.version === 1 && Array.isArray(value.content);
}

/** The plain text of an ADF document: text nodes joined, block nodes on their own lines, hard breaks as newlines. */
export function adfText(document: Record<string, unknown>): string {
  const blocks: string[] = [];
  const inline = (node: unknown): string => {
    if (!isRecord(node)) return '';
    if (node.type === 'text') return typeof node.text === 'string' ? node.text : '';
    if (node.type === 'hardBreak') return '\n';
    return Array.isArray(node.content) ? node.content.map(inline).join('') : '';
  };
  const block = (node: unknown): void => {
    if (!isRecord(node) || !Array.isArray(node.content)) return;
    const children: unknown[] = node.content;
    if (children.some((child) => isRecord(child) && (child.type === 'text' || child.type === 'hardBreak'))) {
      blocks.push(children.map(inline).join(''));
    } else if (children.length === 0) {
      blocks.push('');
    } else {
      children.forEach(block);
    }
  };
  (document.content as unknown[]).forEach(block);
  return blocks.join('\n');
}
