// postgres.js's Queue as patches/postgres+3.4.9.patch leaves it (the pool's idle and busy lists): the
// `pop` the patch adds, beside the `shift`, `push` and `remove` the pool already used, against an array.
// Both builds are checked: the ESM one the app loads and the CommonJS one beside it.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  pop(): T | undefined;
  shift(): T | undefined;
  remove(x: T): T | null;
}
type MakeQueue = <T>(initial?: T[]) => Queue<T>;

// Not exported by the package: read from its files, as its own index.js does.
const packageDir = createRequire(import.meta.url).resolve('postgres').replace(/cjs\/src\/index\.js$/, '');
const builds: [string, () => Promise<MakeQueue>][] = [
  ['src (ESM)', async () => ((await import(`${packageDir}src/queue.js`)) as { default: MakeQueue }).default],
  ['cjs', async () => createRequire(import.meta.url)(`${packageDir}cjs/src/queue.js`) as MakeQueue],
];

const op = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), value: fc.nat(20) }),
  fc.record({ kind: fc.constant('pop' as const) }),
  fc.record({ kind: fc.constant('shift' as const) }),
  fc.record({ kind: fc.constant('remove' as const), value: fc.nat(20) }),
);

describe.each(builds)("postgres.js's Queue, %s build", (_name, load) => {
  it('pops the newest, shifts the oldest and removes any element, as an array does (generated operations)', async () => {
    const Queue = await load();
    fc.assert(
      fc.property(fc.array(fc.nat(20), { maxLength: 5 }), fc.array(op, { maxLength: 60 }), (initial, ops) => {
        // Distinct objects, as the pool's connections are: remove finds an element by identity.
        const objects = new Map<number, { n: number }>();
        const obj = (n: number) => objects.get(n) ?? (objects.set(n, { n }), objects.get(n)!);
        const model = initial.map(obj);
        const queue = Queue(model.slice());
        for (const o of ops) {
          if (o.kind === 'push') expect(queue.push(obj(o.value))).toBe(model[model.push(obj(o.value)) - 1]);
          else if (o.kind === 'pop') expect(queue.pop()).toBe(model.pop());
          else if (o.kind === 'shift') expect(queue.shift()).toBe(model.shift());
          else {
            const i = model.indexOf(obj(o.value));
            if (i >= 0) model.splice(i, 1);
            expect(queue.remove(obj(o.value))).toBe(i >= 0 ? obj(o.value) : null);
          }
          expect(queue.length).toBe(model.length);
        }
        // What is left comes out in order.
        const rest: unknown[] = [];
        while (queue.length) rest.push(queue.shift());
        expect(rest).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });
});
