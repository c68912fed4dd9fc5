import type { Command } from 'commander';
import { createContext, type CliContext } from './context.js';

let exitCode = 0;

/** The exit code the last action asked for (0 when it returned nothing). */
export function actionExitCode(): number {
  return exitCode;
}

/**
 * Wraps a command's handler: builds the context from the global options, passes the
 * command's options and positional arguments, and records the exit code it returns.
 * Errors propagate to the entry point, which alone prints them and exits.
 */
export function action<O>(handler: (ctx: CliContext, options: O, args: unknown[]) => Promise<number | void>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const ctx = await createContext(command);
    exitCode = (await handler(ctx, command.opts<O & object>() as O, command.processedArgs)) ?? 0;
  };
}

/** The "Examples:" block every command's --help ends with (a test checks that each has one). */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
