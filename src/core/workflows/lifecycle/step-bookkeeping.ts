import { patched } from '@temporalio/workflow';
import type { StepBookkeeping } from '../../activities/lifecycle';
import { acts } from './activity-proxies';

/** Runs from this patch on fold a step's bookkeeping into its audit activity; older runs replay one activity each. */
export const STEP_BOOKKEEPING_PATCH = 'lifecycle-step-bookkeeping';

/**
 * The bookkeeping that goes with a step (its ticket comment, transition, notification, version switch): gathered and
 * handed to the step's audit activity (`setPhase`), which does it before the step's row, in order (issue 21: one
 * activity and one workflow task instead of one each). Runs started before {@link STEP_BOOKKEEPING_PATCH} do each part
 * at once with its own activity, as their histories recorded.
 */
export class StepBookkeeper {
  private readonly gathered: StepBookkeeping[] = [];
  private readonly folded = patched(STEP_BOOKKEEPING_PATCH);

  /** Adds a part (none for null): kept for the step's activity, or done now in runs from before the patch. */
  async add(part: StepBookkeeping | null): Promise<void> {
    if (part === null) return;
    if (this.folded) this.gathered.push(part);
    else await doNow(part);
  }

  /** The parts gathered so far, for the step's activity; they are forgotten here. */
  take(): StepBookkeeping[] {
    return this.gathered.splice(0);
  }

  /** Does the parts gathered so far now, each with its own activity: before a step that must come after them. */
  async flush(): Promise<void> {
    for (const part of this.take()) await doNow(part);
  }
}

async function doNow(part: StepBookkeeping): Promise<void> {
  if ('comment' in part) await acts.commentOnTicket(part.comment);
  else if ('transition' in part) await acts.transitionTicket(part.transition);
  else if ('notification' in part) await acts.sendLifecycleNotification(part.notification);
  else await acts.activateCertificateVersion(part.activate);
}
