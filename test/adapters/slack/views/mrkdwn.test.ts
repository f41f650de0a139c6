import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import { itemBlockId } from '../../../../src/adapters/slack/views/block-ids';
import { actorMrkdwn, escapeMrkdwn, link, truncateMrkdwn, userText } from '../../../../src/adapters/slack/views/mrkdwn';

describe('mrkdwn text', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!here>', '&lt;!here&gt;'],
    ['<https://x|y>', '&lt;https://x|y&gt;'],
    ['plain', 'plain'],
  ])('escapes %j', (input, expected) => expect(escapeMrkdwn(input)).toBe(expected));

  it('never cuts an entity or a reference in half', () => {
    expect(userText('&&&&', 7)).toBe('&amp;…');
    expect(truncateMrkdwn('see <@U0OWNER1> now', 10)).toBe('see …');
    expect(userText('x'.repeat(5000)).length).toBe(3000);
  });

  it('links only http(s) URLs and escapes the label', () => {
    expect(link('https://jira.example.com/browse/CHG-1', 'CHG-1 <x>')).toBe(
      '<https://jira.example.com/browse/CHG-1|CHG-1 &lt;x&gt;>',
    );
    expect(link('javascript:alert(1)', 'x')).toBe('x');
    expect(link('https://a.example/|<!channel>', 'x')).toBe('x');
  });

  it('mentions Slack actors and escapes the rest', () => {
    expect(actorMrkdwn({ id: 'slack:U024BE7LH' })).toBe('<@U024BE7LH>');
    expect(actorMrkdwn({ id: 'user:bob', displayName: 'Bob <admin>' })).toBe('Bob &lt;admin&gt;');
    expect(actorMrkdwn({ id: 'slack:<!channel>' })).toBe('slack:&lt;!channel&gt;');
  });

  it('item block ids are snake_case and stable', () => {
    expect(itemBlockId('list_item', 'A1B2.1.2')).toBe('list_item_a1b2_1_2');
  });
});

describe('Block Kit check', () => {
  it.each([
    [
      'an empty text',
      { text: 'x', blocks: [{ type: 'section', block_id: 'a', text: { type: 'mrkdwn', text: ' ' } }] },
      /empty text/,
    ],
    ['an unknown block type', { text: 'x', blocks: [{ type: 'carousel' }] }, /not used by certflow/],
    [
      'an unknown action id',
      {
        text: 'x',
        blocks: [
          {
            type: 'actions',
            block_id: 'a',
            elements: [{ type: 'button', action_id: 'nope', value: 'v', text: { type: 'plain_text', text: 'b' } }],
          },
        ],
      },
      /unknown action_id/,
    ],
    [
      'a repeated block id',
      {
        text: 'x',
        blocks: [
          { type: 'divider', block_id: 'a' },
          { type: 'divider', block_id: 'a' },
        ],
      },
      /repeats/,
    ],
    ['a camelCase block id', { text: 'x', blocks: [{ type: 'divider', block_id: 'notSnake' }] }, /snake_case/],
    ['too many blocks', { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, /51 blocks/],
    ['an empty fallback', { text: '', blocks: [{ type: 'divider' }] }, /empty fallback/],
    [
      'a button without value',
      {
        text: 'x',
        blocks: [
          {
            type: 'actions',
            block_id: 'a',
            elements: [{ type: 'button', action_id: 'view_details', text: { type: 'plain_text', text: 'b' } }],
          },
        ],
      },
      /without value/,
    ],
  ])('finds %s', (_case, message, problem) => {
    expect(checkMessage(message as Parameters<typeof checkMessage>[0]).join('\n')).toMatch(problem);
  });
});
