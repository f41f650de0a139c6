import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { notAfterAttribute, ownerGroupAttribute } from '../search-attributes';
import type { LifecycleRun } from './state';

/** Patch id: the expiry and owner search attributes follow the version and group a run watches. */
const SEARCH_ATTRIBUTES_FOLLOW_VERSION = 'search-attributes-follow-version';

/**
 * Keeps CertflowNotAfter and CertflowOwnerGroup true to the version and group this run watches (continue-as-new
 * carries the previous run's values). A lifecycle started without certflow's search attributes (a server where they
 * are not registered) has none to keep.
 */
export function followVersionInSearchAttributes(run: LifecycleRun): void {
  const { ctx } = run;
  const indexed = workflowInfo().typedSearchAttributes;
  const notAfter = indexed.get(notAfterAttribute);
  if (notAfter === undefined) return;
  const updates: SearchAttributeUpdatePair[] = [];
  if (notAfter.getTime() !== Date.parse(ctx.certificate.notAfter)) {
    updates.push({ key: notAfterAttribute, value: new Date(ctx.certificate.notAfter) });
  }
  const group = ctx.group?.id ?? null;
  if (group !== null && indexed.get(ownerGroupAttribute) !== group) {
    updates.push({ key: ownerGroupAttribute, value: group });
  }
  if (updates.length > 0 && patched(SEARCH_ATTRIBUTES_FOLLOW_VERSION)) upsertSearchAttributes(updates);
}
