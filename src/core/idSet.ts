/**
 * A set of voter ids for finding duplicates inside one file, in compact memory: 12 bytes a slot
 * (a 64-bit hash and the line of first sight) instead of a JavaScript string per id, so a
 * three-million-row file needs ~100 MB less than a Set<string>. Two independent 32-bit hashes
 * make a false "duplicate" about a one-in-four-million chance for a whole three-million-row file.
 */
export class IdSet {
  private capacity: number;
  private size = 0;
  private hashA: Int32Array;
  private hashB: Int32Array;
  private lines: Int32Array; // 0 = empty slot

  /**
   * `expected`: about how many ids will come, when known (from the file's size): the table is
   * made big enough at once. Growing rehashes every id so far; from the default size to 1M ids
   * that was ~0.2 s of the reading thread.
   */
  constructor(expected = 0) {
    let capacity = 1 << 16;
    while (expected * 4 > capacity * 3) capacity *= 2;
    this.capacity = capacity;
    this.hashA = new Int32Array(capacity);
    this.hashB = new Int32Array(capacity);
    this.lines = new Int32Array(capacity);
  }

  /** Adds `id` first seen on `line`; returns the earlier line when the id was already there, else 0. */
  add(id: string, line: number): number {
    let a = 0x811c9dc5 | 0;
    let b = 0x2545f491 | 0;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    b = Math.imul(b ^ id.length, 0x27d4eb2d);
    b ^= b >>> 13;
    const mask = this.capacity - 1;
    let slot = (a ^ (a >>> 16)) & mask;
    for (;;) {
      const seen = this.lines[slot]!;
      if (seen === 0) break;
      if (this.hashA[slot] === a && this.hashB[slot] === b) return seen;
      slot = (slot + 1) & mask;
    }
    this.hashA[slot] = a;
    this.hashB[slot] = b;
    this.lines[slot] = line;
    if (++this.size * 4 > this.capacity * 3) this.grow();
    return 0;
  }

  private grow(): void {
    const oldA = this.hashA;
    const oldB = this.hashB;
    const oldLines = this.lines;
    this.capacity *= 2;
    this.hashA = new Int32Array(this.capacity);
    this.hashB = new Int32Array(this.capacity);
    this.lines = new Int32Array(this.capacity);
    const mask = this.capacity - 1;
    for (let i = 0; i < oldLines.length; i++) {
      const line = oldLines[i]!;
      if (line === 0) continue;
      const a = oldA[i]!;
      let slot = (a ^ (a >>> 16)) & mask;
      while (this.lines[slot] !== 0) slot = (slot + 1) & mask;
      this.hashA[slot] = a;
      this.hashB[slot] = oldB[i]!;
      this.lines[slot] = line;
    }
  }
}
