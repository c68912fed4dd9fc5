import os from 'node:os';
import type { ThisProcess } from '../../src/io/lock.js';

/** This test process, as the CLI describes it to the send-lock rule. */
export const thisProcess: ThisProcess = {
  pid: process.pid,
  hostname: os.hostname(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  },
};
