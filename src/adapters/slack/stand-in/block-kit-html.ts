/**
 * Block Kit as HTML for the stand-in's web page: headers, sections, fields and context as text (a little mrkdwn:
 * bold, italics, code, quotes, links, mentions), buttons as real `<button>`s and modal inputs as form fields.
 * Everything from the app is escaped: a message can never inject markup into the page.
 */
import { isObject } from './method-arguments';
import { escapeHtml } from '../../shared/escape-html';

/** Where a rendered button acts: a message in a channel, a view, or nowhere (an ephemeral message's copy). */
export type ButtonTarget =
  | { readonly kind: 'message'; readonly channel: string; readonly ts: string }
  | { readonly kind: 'view'; readonly viewId: string }
  | { readonly kind: 'none' };

/** How to render: who the mentions name, and what the buttons act on. */
export interface RenderContext {
  readonly userName: (userId: string) => string | undefined;
  readonly target: ButtonTarget;
}

/** The `text` of a text object, or '' when there is none. */
export function textOf(value: unknown): string {
  return isObject(value) && typeof value.text === 'string' ? value.text : '';
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function slackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A `<!date^seconds^format|fallback>` date, shown in UTC the way the format asks (with the time when it has one). */
function dateText(target: string, fallbackLabel: string | undefined): string {
  const [, seconds = '', format = ''] = target.split('^');
  const date = new Date(Number(seconds) * 1000);
  if (!/^\d+$/.test(seconds) || Number.isNaN(date.getTime())) return slackEntities(fallbackLabel ?? target);
  const iso = date.toISOString();
  return format.includes('{time') ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
}

/** A `<…>` reference in mrkdwn: a link, a user or channel mention, or a special mention. */
function reference(inner: string, context: RenderContext): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(context.userName(id) ?? id)}</span>`;
  }
  if (target.startsWith('#')) return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith('!date^')) return escapeHtml(dateText(target, label));
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  const shown = escapeHtml(slackEntities(label ?? target));
  return /^https?:\/\//.test(target)
    ? `<a href="${escapeHtml(slackEntities(target))}" rel="noreferrer noopener" target="_blank">${shown}</a>`
    : shown;
}

function inlineMrkdwn(escaped: string): string {
  return escaped
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>');
}

/** mrkdwn (escaped the Slack way, with `&amp;` `&lt;` `&gt;`) as HTML. */
export function mrkdwnHtml(text: string, context: RenderContext): string {
  const lines = text.split('\n').map((line) => {
    const quoted = line.startsWith('&gt;') || line.startsWith('>');
    const body = quoted ? line.replace(/^(&gt;|>)\s?/, '') : line;
    const parts = body.split(/(<[^<>]*>)/);
    const html = parts
      .map((part) =>
        /^<[^<>]*>$/.test(part) ? reference(part.slice(1, -1), context) : inlineMrkdwn(escapeHtml(slackEntities(part))),
      )
      .join('');
    return quoted ? `<blockquote>${html}</blockquote>` : html;
  });
  return lines.join('<br>').replace(/<\/blockquote><br><blockquote>/g, '<br>');
}

function textHtml(value: unknown, context: RenderContext): string {
  if (!isObject(value)) return '';
  return value.type === 'mrkdwn' ? mrkdwnHtml(textOf(value), context) : escapeHtml(textOf(value));
}

function buttonHtml(element: Record<string, unknown>, context: RenderContext): string {
  const actionId = typeof element.action_id === 'string' ? element.action_id : '';
  const style = element.style === 'primary' || element.style === 'danger' ? ` ${element.style}` : '';
  const { target } = context;
  const data =
    target.kind === 'message'
      ? ` data-channel="${escapeHtml(target.channel)}" data-ts="${escapeHtml(target.ts)}"`
      : target.kind === 'view'
        ? ` data-view-id="${escapeHtml(target.viewId)}"`
        : '';
  // An ephemeral message's buttons cannot be clicked through the user driver, which clicks recorded messages only.
  const disabled =
    target.kind === 'none' ? ' disabled title="buttons of ephemeral messages are not clickable here"' : '';
  // A link button opens its page, and Slack still sends the app the click, as here.
  const url =
    typeof element.url === 'string' && /^https?:\/\//.test(element.url) ? ` data-url="${escapeHtml(element.url)}"` : '';
  return `<button type="button" class="slack-button${style}" data-action-id="${escapeHtml(actionId)}"${data}${url}${disabled}>${escapeHtml(textOf(element.text))}</button>`;
}

function elementHtml(element: unknown, context: RenderContext): string {
  if (!isObject(element)) return '';
  if (element.type === 'button') return buttonHtml(element, context);
  if (element.type === 'image')
    return `<span class="image">[${escapeHtml(stringOr(element.alt_text, 'image'))}]</span>`;
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return `<span>${textHtml(element, context)}</span>`;
  return `<span class="unsupported">[${escapeHtml(String(element.type))}]</span>`;
}

function inputHtml(block: Record<string, unknown>, context: RenderContext): string {
  const element = isObject(block.element) ? block.element : {};
  const name = `${stringOr(block.block_id, '')}::${stringOr(element.action_id, '')}`;
  const placeholder = escapeHtml(textOf(element.placeholder));
  const required = block.optional === true ? '' : ' required';
  const field =
    element.multiline === true
      ? `<textarea name="${escapeHtml(name)}" placeholder="${placeholder}"${required}></textarea>`
      : `<input type="text" name="${escapeHtml(name)}" placeholder="${placeholder}"${required}>`;
  const hint = textOf(block.hint) === '' ? '' : `<div class="hint">${textHtml(block.hint, context)}</div>`;
  return `<label class="input">${textHtml(block.label, context)}${field}</label>${hint}`;
}

function blockHtml(block: Record<string, unknown>, context: RenderContext): string {
  const blockId = typeof block.block_id === 'string' ? ` data-block-id="${escapeHtml(block.block_id)}"` : '';
  switch (block.type) {
    case 'header':
      return `<h3 class="block header"${blockId}>${textHtml(block.text, context)}</h3>`;
    case 'section': {
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${(block.fields as unknown[]).map((field) => `<div>${textHtml(field, context)}</div>`).join('')}</div>`
        : '';
      const accessory = isObject(block.accessory) ? elementHtml(block.accessory, context) : '';
      return `<div class="block section"${blockId}><div class="text">${textHtml(block.text, context)}</div>${fields}${accessory}</div>`;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
      return `<div class="block context"${blockId}>${elements.map((element) => elementHtml(element, context)).join(' ')}</div>`;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
      return `<div class="block actions"${blockId}>${elements.map((element) => elementHtml(element, context)).join(' ')}</div>`;
    }
    case 'divider':
      return '<hr class="block divider">';
    case 'input':
      return `<div class="block input-block"${blockId}>${inputHtml(block, context)}</div>`;
    default:
      return `<div class="block unsupported"${blockId}>[${escapeHtml(String(block.type))} block]</div>`;
  }
}

/** Blocks as HTML; a message without blocks shows its fallback text as mrkdwn, as Slack does. */
export function blocksHtml(blocks: readonly unknown[], fallbackText: string, context: RenderContext): string {
  const known = blocks.filter((block) => isObject(block));
  if (known.length === 0) return `<div class="block section">${mrkdwnHtml(fallbackText, context)}</div>`;
  return known.map((block) => blockHtml(block, context)).join('\n');
}
