/**
 * Reads a voter file for importVoters: the bytes are read here and parsed on a worker thread
 * (voterFileWorker.ts), so that parsing and SQLite writing run on both cores at once.
 */
import { Worker } from 'node:worker_threads';
import type { ListTypeCount, VoterBatch, VoterBatchForm, VoterFileHeader, VoterFileReading } from '../app/importVoters.js';
import type { VoterKey } from '../core/listLayout.js';
import { DataError, InternalError, RuntimeError, TurnoutError, UsageError } from '../core/errors.js';
import type { VoterField } from '../core/fields.js';
import type { EncodingChoice } from './csv/decode.js';
import type { VoterTallyRow } from '../core/voterTally.js';
import type { ByteInput } from './input.js';
import type { FromWorker, SerializedError, ToWorker, VoterWorkerData } from './voterFileWorker.js';

export interface VoterFileOptions {
  delimiter?: string;
  encoding: EncodingChoice;
  region: string | undefined;
  map: Partial<Record<VoterField, string>>;
  /**
   * Voters per batch handed to the store. Small enough that a batch's text stays under
   * V8's 128 KiB large-object threshold (see CHUNK in voterFileWorker.ts).
   */
  batchRows?: number;
  /** --key; undefined: from the layout. */
  key?: VoterKey;
  /** --lists; undefined: every list type counts. */
  lists?: string[];
  /** The store's VoterImportStore.batchForm. */
  form: VoterBatchForm;
}

/**
 * The worker's young generation (V8's two semi-spaces and its new large-object space), in MB.
 * Node 24's V8 sizes it by the machine's memory: 96 MB here, where Node 20's stayed at 48, and
 * the worker allocates fast enough to fill it: it held 80 MB of heap for 20-35 MB of live data, and
 * the import of 1M voters peaked at 205-218 MB against 164 MB on Node 20. At 24 MB it peaks at
 * 162-165 MB with the same CPU time (6.5-7.1 s user + system, three interleaved runs of each);
 * at 12 MB, objects are promoted early and it costs more of both (212-217 MB, 7.8-8.2 s).
 */
const WORKER_YOUNG_GENERATION_MB = 24;

export function revive(error: SerializedError): TurnoutError {
  const options = { hint: error.hint, where: error.where };
  switch (error.kind) {
    case 'DataError':
      return new DataError(error.message, options);
    case 'UsageError':
      return new UsageError(error.message, options);
    case 'RuntimeError':
      return new RuntimeError(error.message, options);
    default:
      return new InternalError(`the import worker failed: ${error.message}`);
  }
}

/** Opens the file and waits for its header (mapping decided); rejects on a broken header. */
export async function openVoterFile(input: ByteInput, options: VoterFileOptions): Promise<VoterFileReading> {
  const data: VoterWorkerData = {
    file: input.name,
    path: input.path,
    delimiter: options.delimiter,
    encoding: options.encoding,
    region: options.region,
    map: options.map,
    batchRows: options.batchRows ?? 250,
    key: options.key,
    lists: options.lists,
    form: options.form,
    taken: new SharedArrayBuffer(4),
  };
  const taken = new Int32Array(data.taken);
  const worker = new Worker(new URL('./voterFileWorker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const source = input.path === undefined ? input.chunks()[Symbol.asyncIterator]() : undefined;
  const queue: Array<FromWorker | { type: 'failure'; error: unknown }> = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const push = (message: FromWorker | { type: 'failure'; error: unknown }): void => {
    queue.push(message);
    wake?.();
    wake = undefined;
  };
  const send = (message: ToWorker, transfer?: ArrayBuffer[]): void => {
    if (!closed) worker.postMessage(message, transfer);
  };
  const feed = async (): Promise<void> => {
    try {
      const next = await source!.next();
      if (next.done) send({ type: 'end' });
      else {
        const copy = new Uint8Array(next.value);
        send({ type: 'chunk', data: copy }, [copy.buffer]);
      }
    } catch (error) {
      push({
        type: 'failure',
        error: new DataError(`cannot read the input: ${(error as Error).message}`, { where: { file: input.name }, cause: error }),
      });
    }
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'need') void feed();
    else push(message);
  });
  worker.on('error', (error) => push({ type: 'failure', error }));
  worker.on('exit', (code) => {
    if (!closed) push({ type: 'failure', error: new InternalError(`the import worker stopped (exit code ${code})`) });
  });

  const nextMessage = async (): Promise<FromWorker> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const message = queue.shift()!;
    if (message.type === 'failure') throw message.error;
    if (message.type === 'error') throw revive(message.error);
    return message;
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await source?.return?.();
    await worker.terminate();
  };

  let header: VoterFileHeader;
  try {
    const first = await nextMessage();
    if (first.type !== 'header') throw new InternalError(`the import worker sent "${first.type}" before the header`);
    header = first.header;
  } catch (error) {
    await close();
    throw error;
  }

  let finalTally: VoterTallyRow[] | undefined;
  let finalListTypes: ListTypeCount[] = [];
  const tally = (): VoterTallyRow[] => {
    if (finalTally === undefined) throw new InternalError('the voter tally was asked for before the end of the file');
    return finalTally;
  };
  async function* batches(): AsyncGenerator<VoterBatch> {
    for (;;) {
      const message = await nextMessage();
      if (message.type === 'done') {
        finalTally = message.tally;
        finalListTypes = message.listTypes;
        return;
      }
      if (message.type !== 'batch') throw new InternalError(`unexpected message "${message.type}" from the import worker`);
      yield message;
      Atomics.add(taken, 0, 1);
      Atomics.notify(taken, 0);
      // Reading stdin, the worker waits for the next chunk from here, not on the counter.
      if (source !== undefined) send({ type: 'ack' });
    }
  }
  return { header, batches: batches(), tally, listTypes: () => finalListTypes, close };
}
