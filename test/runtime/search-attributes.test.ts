import { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSearchAttributes, SearchAttributeConflictError } from '../../src/runtime/search-attributes';
import { certflowSearchAttributes } from '../../src/core/workflows/search-attributes';
import { createDevServerEnv } from '../support/temporal';

describe('ensureSearchAttributes on a server that lacks them', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createDevServerEnv({ searchAttributes: false });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function customAttributes(namespace: string) {
    return (await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes;
  }

  it('registers every attribute with its type, once', async () => {
    expect(await ensureSearchAttributes(env.connection, 'default')).toEqual(
      certflowSearchAttributes.map((key) => key.name),
    );
    const registered = await customAttributes('default');
    for (const key of certflowSearchAttributes) expect(registered[key.name], key.name).toBeDefined();
    expect(await ensureSearchAttributes(env.connection, 'default')).toEqual([]);
  });

  it('refuses an attribute that exists with another type, saying how to fix it', async () => {
    await env.connection.workflowService.registerNamespace({
      namespace: 'conflict',
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const phase = certflowSearchAttributes.find((key) => key.type === SearchAttributeType.KEYWORD)!;
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'conflict',
      searchAttributes: { [phase.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT },
    });
    const error = await ensureSearchAttributes(env.connection, 'conflict').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SearchAttributeConflictError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `search attribute ${phase.name} exists in namespace conflict as INDEXED_VALUE_TYPE_INT, but certflow needs INDEXED_VALUE_TYPE_KEYWORD`,
      ),
    );
  });
});
