/**
 * The roles a certflow worker publishes (issue 14): clients read them instead of their own environment, so one
 * configuration decides who is a security lead or an admin. The inventory database keeps them (SqlPublishedRoles).
 */
import type { PublishedRoles } from '../domain/lifecycle/roles';

/** Reads the roles the worker of a task queue published; null before any did. */
export type ReadPublishedRoles = () => Promise<PublishedRoles | null>;
