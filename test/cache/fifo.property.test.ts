// The queue under the Redis deadlines and the known requests' eviction order, against an array.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/cache/fifo.js';

describe('Fifo', () => {
  it('pushes, peeks and shifts as an array does, across compactions (generated operations)', () => {
    const op = fc.oneof(fc.record({ push: fc.nat(3000) }), fc.constant('shift' as const));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6000 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const o of ops) {
          if (o === 'shift') expect(fifo.shift()).toBe(model.shift());
          // Runs of pushes, so the head passes the compaction point with items still behind it.
          else for (let i = 0; i < o.push % 3; i++) (fifo.push(o.push + i), model.push(o.push + i));
          expect(fifo.length).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the order of what is left when it compacts', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 3000; i++) fifo.push(i);
    for (let i = 0; i < 2000; i++) expect(fifo.shift()).toBe(i);
    fifo.push(3000);
    const rest: number[] = [];
    for (let x = fifo.shift(); x !== undefined; x = fifo.shift()) rest.push(x);
    expect(rest).toEqual(Array.from({ length: 1001 }, (_, i) => 2000 + i));
    expect(fifo.length).toBe(0);
  });
});
