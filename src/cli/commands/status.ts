import type { Command } from 'commander';

export function registerStatus(_program: Command): void {
  // not yet written
}
