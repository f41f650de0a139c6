import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { certflowSearchAttributes } from '../core/workflows/search-attributes';

type IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const { IndexedValueType } = temporal.api.enums.v1;

/** The part of a Temporal connection that manages search attributes (client or native connection). */
export interface OperatorServiceConnection {
  operatorService: Pick<
    temporal.api.operatorservice.v1.OperatorService,
    'listSearchAttributes' | 'addSearchAttributes'
  >;
}

/** A search attribute certflow needs exists with another type; the message says how to resolve it. */
export class SearchAttributeConflictError extends Error {
  override readonly name = 'SearchAttributeConflictError';
}

function indexedValueType(type: SearchAttributeType): IndexedValueType {
  return IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}

/**
 * Registers the custom search attributes certflow's workflows use (src/core/workflows/search-attributes.ts) that the
 * namespace lacks, and returns their names. The embedded dev server gets them as start flags; a standalone
 * server gets them here, when the worker starts.
 */
export async function ensureSearchAttributes(
  connection: OperatorServiceConnection,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, IndexedValueType> = {};
  for (const key of certflowSearchAttributes) {
    const wanted = indexedValueType(key.type);
    const existing = customAttributes[key.name];
    if (existing === undefined) missing[key.name] = wanted;
    else if (existing !== wanted) {
      throw new SearchAttributeConflictError(
        `search attribute ${key.name} exists in namespace ${namespace} as ${IndexedValueType[existing]}, but certflow ` +
          `needs ${IndexedValueType[wanted]}: remove it (temporal operator search-attribute remove --name ${key.name}) ` +
          'or use another namespace',
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
