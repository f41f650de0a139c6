/**
 * Checks a message or view against the parts of Block Kit certflow uses and Slack's limits, so tests (and the
 * adapter before posting) catch a block Slack would refuse with `invalid_blocks`.
 */
import type { AnyBlock, View } from '@slack/types';
import { ACTION_IDS } from './block-ids';
import { SLACK_LIMITS } from './mrkdwn';

const KNOWN_ACTION_IDS = new Set<string>(Object.values(ACTION_IDS));
const SNAKE_CASE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkText(value: unknown, where: string, max: number, problems: string[], plainOnly = false): void {
  if (!isObject(value) || (value.type !== 'plain_text' && value.type !== 'mrkdwn')) {
    problems.push(`${where}: not a text object`);
    return;
  }
  if (plainOnly && value.type !== 'plain_text') problems.push(`${where}: must be plain_text`);
  if (typeof value.text !== 'string' || value.text.trim().length === 0) problems.push(`${where}: empty text`);
  else if (value.text.length > max) problems.push(`${where}: ${value.text.length} characters, limit ${max}`);
}

function checkOptions(element: Json, where: string, max: number, problems: string[]): void {
  const options = element.options;
  if (!Array.isArray(options) || options.length === 0 || options.length > max) {
    problems.push(`${where}: 1 to ${max} options expected`);
    return;
  }
  options.forEach((option, index) => {
    if (!isObject(option) || typeof option.value !== 'string' || option.value.length > 150) {
      problems.push(`${where}.options[${index}]: value missing or over 150 characters`);
    } else {
      checkText(option.text, `${where}.options[${index}].text`, 75, problems);
    }
  });
}

function checkElement(element: unknown, where: string, problems: string[]): string | null {
  if (!isObject(element)) {
    problems.push(`${where}: not an object`);
    return null;
  }
  const actionId = element.action_id;
  if (typeof actionId !== 'string' || !KNOWN_ACTION_IDS.has(actionId)) {
    problems.push(`${where}: unknown action_id ${String(actionId)}`);
  }
  if (element.type === 'button') {
    checkText(element.text, `${where}.text`, SLACK_LIMITS.buttonText, problems, true);
    if (typeof element.value !== 'string' || element.value.length === 0)
      problems.push(`${where}: button without value`);
    else if (element.value.length > SLACK_LIMITS.buttonValue) problems.push(`${where}: value over 2000 characters`);
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      problems.push(`${where}: unknown style ${JSON.stringify(element.style)}`);
    }
  } else if (element.type === 'plain_text_input') {
    if (element.placeholder !== undefined) checkText(element.placeholder, `${where}.placeholder`, 150, problems, true);
  } else if (element.type === 'static_select' || element.type === 'checkboxes') {
    checkOptions(element, where, element.type === 'static_select' ? 100 : 10, problems);
  } else {
    problems.push(`${where}: element type ${String(element.type)} is not used by certflow`);
  }
  return typeof actionId === 'string' ? actionId : null;
}

function checkBlock(block: unknown, where: string, problems: string[]): void {
  if (!isObject(block)) {
    problems.push(`${where}: not an object`);
    return;
  }
  switch (block.type) {
    case 'header':
      checkText(block.text, `${where}.text`, SLACK_LIMITS.headerText, problems, true);
      return;
    case 'divider':
      return;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) problems.push(`${where}: section without text`);
      if (block.text !== undefined) checkText(block.text, `${where}.text`, SLACK_LIMITS.text, problems);
      if (block.fields !== undefined) {
        if (
          !Array.isArray(block.fields) ||
          block.fields.length === 0 ||
          block.fields.length > SLACK_LIMITS.sectionFields
        ) {
          problems.push(`${where}: 1 to ${SLACK_LIMITS.sectionFields} fields expected`);
        } else {
          block.fields.forEach((field, index) =>
            checkText(field, `${where}.fields[${index}]`, SLACK_LIMITS.fieldText, problems),
          );
        }
      }
      if (block.accessory !== undefined) checkElement(block.accessory, `${where}.accessory`, problems);
      return;
    }
    case 'context': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) {
        problems.push(`${where}: 1 to ${SLACK_LIMITS.contextElements} elements expected`);
        return;
      }
      elements.forEach((element, index) =>
        checkText(element, `${where}.elements[${index}]`, SLACK_LIMITS.text, problems),
      );
      return;
    }
    case 'actions': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) {
        problems.push(`${where}: 1 to ${SLACK_LIMITS.actionsElements} elements expected`);
        return;
      }
      const ids = elements.map((element, index) => checkElement(element, `${where}.elements[${index}]`, problems));
      if (new Set(ids).size !== ids.length) problems.push(`${where}: action_ids repeat within the block`);
      return;
    }
    case 'input':
      checkText(block.label, `${where}.label`, 2000, problems, true);
      if (block.hint !== undefined) checkText(block.hint, `${where}.hint`, 2000, problems, true);
      checkElement(block.element, `${where}.element`, problems);
      return;
    default:
      problems.push(`${where}: block type ${String(block.type)} is not used by certflow`);
  }
}

function checkBlocks(blocks: readonly AnyBlock[], max: number, problems: string[]): void {
  if (blocks.length === 0) problems.push('no blocks');
  if (blocks.length > max) problems.push(`${blocks.length} blocks, limit ${max}`);
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const where = `blocks[${index}]`;
    const blockId = block.block_id;
    if (blockId !== undefined) {
      if (!SNAKE_CASE.test(blockId) || blockId.length > SLACK_LIMITS.blockId) {
        problems.push(`${where}: block_id ${blockId} is not snake_case within 255 characters`);
      }
      if (blockIds.has(blockId)) problems.push(`${where}: block_id ${blockId} repeats`);
      blockIds.add(blockId);
    }
    checkBlock(block, where, problems);
  });
}

/** Problems of a message (`text` + `blocks`); empty when Slack would take it. */
export function checkMessage(message: { readonly text: string; readonly blocks: readonly AnyBlock[] }): string[] {
  const problems: string[] = [];
  if (message.text.trim().length === 0) problems.push('empty fallback text');
  if (message.text.length > SLACK_LIMITS.text) problems.push(`fallback text over ${SLACK_LIMITS.text} characters`);
  checkBlocks(message.blocks, SLACK_LIMITS.messageBlocks, problems);
  return problems;
}

/** Problems of a modal or App Home view; empty when Slack would take it. */
export function checkView(view: View): string[] {
  const problems: string[] = [];
  if (view.type === 'modal') {
    checkText(view.title, 'title', SLACK_LIMITS.modalTitle, problems, true);
    if (view.submit) checkText(view.submit, 'submit', SLACK_LIMITS.modalTitle, problems, true);
    if (view.close) checkText(view.close, 'close', SLACK_LIMITS.modalTitle, problems, true);
    if (view.callback_id !== undefined && !SNAKE_CASE.test(view.callback_id))
      problems.push('callback_id not snake_case');
  }
  if ((view.private_metadata ?? '').length > SLACK_LIMITS.privateMetadata) problems.push('private_metadata too long');
  checkBlocks(view.blocks, SLACK_LIMITS.viewBlocks, problems);
  return problems;
}
