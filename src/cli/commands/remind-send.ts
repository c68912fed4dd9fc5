import type { Command } from 'commander';
import type { SmsRecipient } from '../../app/recipients.js';
import type { CliContext } from '../context.js';

/** Adds the sending options (--send, --message, --template, --yes, --dry-run, --rate…) to `remind`. */
export function addSendOptions(command: Command): Command {
  return command;
}

/** Sends reminders to the selected recipients; returns the exit code. Not yet written. */
export async function runSend(_ctx: CliContext, _options: Record<string, unknown>, _recipients: SmsRecipient[]): Promise<number> {
  throw new Error('sending is not written yet');
}
