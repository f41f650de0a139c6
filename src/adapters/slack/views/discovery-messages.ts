/**
 * The Slack side of scheduled discovery (R-MON-6, R-INV-2): one owner group's digest of a scan's findings, and the
 * security channel's announcement of new certificates nobody owns, with how to assign them. No buttons: every line
 * names the command or fix, so nothing needs a listener.
 */
import type { KnownBlock } from '@slack/types';
import { describeLocation, type EndpointFinding } from '../../../core/domain/discovery/endpoint-findings';
import type { FindingDigest, UnownedAnnouncement } from '../../../core/ports/notification-port';
import { context, fallback, header, section } from './blocks';
import type { SlackMessage } from './blocks';
import { escapeMrkdwn, SLACK_LIMITS } from './mrkdwn';

/** Room left in a section's text for one chunk of lines. */
const SECTION_BUDGET = SLACK_LIMITS.text - 100;
/** Section blocks of lines a message takes at most, leaving room for its header and context. */
const MAX_SECTIONS = 40;

const SEVERITY_EMOJI: Readonly<Record<EndpointFinding['severity'], string>> = {
  incident: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':white_circle:',
};

/** Lines packed into sections of at most {@link SECTION_BUDGET} characters, with a note when some did not fit. */
function lineSections(lines: readonly string[], blockId: string): KnownBlock[] {
  const chunks: string[] = [];
  let current = '';
  let left = 0;
  for (const [index, line] of lines.entries()) {
    if (chunks.length >= MAX_SECTIONS) {
      left = lines.length - index;
      break;
    }
    if (current !== '' && current.length + line.length + 1 > SECTION_BUDGET) {
      chunks.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '' && chunks.length < MAX_SECTIONS) chunks.push(current);
  const blocks: KnownBlock[] = chunks.map((text, index) => section(text, `${blockId}_${index}`));
  if (left > 0) blocks.push(context([`… and ${left} more: \`certflow list --findings\``], `${blockId}_more`));
  return blocks;
}

function findingLine(finding: EndpointFinding): string {
  return (
    `${SEVERITY_EMOJI[finding.severity]} *${escapeMrkdwn(finding.kind)}* at \`${escapeMrkdwn(describeLocation(finding.location))}\`` +
    ` (\`${finding.fingerprint.slice(0, 16)}\`): ${escapeMrkdwn(finding.message)}`
  );
}

/** One owner group's findings of one scan: new and reopened first, then those resolved. */
export function findingDigestMessage(digest: FindingDigest): SlackMessage {
  const incidents = digest.opened.filter((finding) => finding.severity === 'incident').length;
  const title = `Discovery "${digest.scan}": ${digest.opened.length} new finding${digest.opened.length === 1 ? '' : 's'} for ${digest.group.name}`;
  const blocks: KnownBlock[] = [header(title, 'discovery_header')];
  if (incidents > 0) {
    blocks.push(
      section(
        `:rotating_light: *${incidents} expired certificate${incidents === 1 ? '' : 's'} still served*: an incident; deploy the renewed certificate now.`,
        'discovery_incident',
      ),
    );
  }
  if (digest.opened.length > 0) {
    blocks.push(section('*New and reopened*', 'discovery_opened_title'));
    blocks.push(...lineSections(digest.opened.map(findingLine), 'discovery_opened'));
  }
  if (digest.resolved.length > 0) {
    blocks.push(section('*Resolved* (no longer found)', 'discovery_resolved_title'));
    blocks.push(
      ...lineSections(
        digest.resolved.map(
          (finding) =>
            `:white_check_mark: ${escapeMrkdwn(finding.kind)} at \`${escapeMrkdwn(describeLocation(finding.location))}\``,
        ),
        'discovery_resolved',
      ),
    );
  }
  const notes = [`Scan run \`${escapeMrkdwn(digest.scanRunId)}\` · every open finding: \`certflow list --findings\``];
  if (digest.notListed > 0) notes.unshift(`${digest.notListed} more finding(s) not listed here`);
  blocks.push(context(notes, 'discovery_context'));
  return {
    text: fallback(`${escapeMrkdwn(title)}${digest.resolved.length > 0 ? `, ${digest.resolved.length} resolved` : ''}`),
    blocks,
  };
}

/** New certificates nobody owns, for the security channel, with the command that assigns an owner group. */
export function unownedAnnouncementMessage(announcement: UnownedAnnouncement): SlackMessage {
  const count = announcement.certificates.length;
  const title = `Discovery "${announcement.scan}": ${count} new certificate${count === 1 ? '' : 's'} nobody owns`;
  const lines = announcement.certificates.map(
    (certificate) =>
      `• \`${certificate.fingerprint.slice(0, 16)}\` ${escapeMrkdwn(certificate.subject || '(no subject)')} at ` +
      `\`${escapeMrkdwn(describeLocation(certificate.location))}\``,
  );
  return {
    text: fallback(escapeMrkdwn(title)),
    blocks: [
      header(title, 'unowned_header'),
      ...lineSections(lines, 'unowned_list'),
      context(
        [
          'Assign an owner group: `certflow import --metadata owners.csv` (columns fingerprint,owner_group); ' +
            '`certflow list --unowned` lists every certificate without one.',
          `Scan run \`${escapeMrkdwn(announcement.scanRunId)}\``,
        ],
        'unowned_context',
      ),
    ],
  };
}
