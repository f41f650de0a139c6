import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

/** Option definitions in node:util parseArgs form. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's options strictly; a wrong flag becomes a UsageError pointing at `certflow help`. */
export function parseCommandLine<T extends OptionSpec>(
  args: string[],
  options: T,
  positionals: { min: number; max: number; usage: string } = { min: 0, max: 0, usage: '' },
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals.max > 0 });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see \`certflow help\`)`);
  }
  if (parsed.positionals.length < positionals.min || parsed.positionals.length > positionals.max) {
    throw new UsageError(`usage: ${positionals.usage}`);
  }
  return parsed;
}

/** Reads a whole-number option within bounds. */
export function readInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} "${raw}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}
