// The registry of operations Apollo accepted, which the paths in front of Apollo read: the key keeps an
// absent operation name and the empty one apart, and what it keeps is bounded by the heap its documents hold.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { acceptedHeapBytes, AcceptedOperations, acceptOperationsPlugin, heapBytesPerChar } from '../../src/graphql/accepted-operations.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);

describe('accepted operations', () => {
  it('keeps an absent requested name, the empty name and a given name apart', () => {
    const accepted = new AcceptedOperations();
    const document = parse('query A { x }');
    accepted.accept('h', undefined, document, 'A');
    expect(accepted.get('h', undefined)?.operationName).toBe('A');
    expect(accepted.get('h', null)?.operationName).toBe('A');
    expect(accepted.get('h', '')).toBeUndefined();
    expect(accepted.get('h', 'A')).toBeUndefined();
    accepted.accept('h', 'A', document, 'A');
    expect(accepted.get('h', 'A')?.documentHash).toBe(accepted.get('h', undefined)?.documentHash);
  });

  it('records only operations every plugin let through, and no mutation', async () => {
    const accepted = new AcceptedOperations();
    const server = new ApolloServer({
      typeDefs: 'type Query { x(n: Int): Int } type Mutation { y: Int }',
      resolvers: { Query: { x: () => 1 }, Mutation: { y: () => 1 } },
      plugins: [
        {
          async requestDidStart() {
            return {
              async didResolveOperation({ request }) {
                if (request.variables?.n === 13) throw new Error('refused');
              },
            };
          },
        },
        acceptOperationsPlugin(accepted),
      ],
    });
    await server.start();
    try {
      const hashOf = (query: string) => createHash('sha256').update(query).digest('hex');
      const refused = 'query R($n: Int) { x(n: $n) }';
      await server.executeOperation({ query: refused, variables: { n: 13 } });
      expect(accepted.get(hashOf(refused), undefined)).toBeUndefined();
      await server.executeOperation({ query: refused, variables: { n: 1 } });
      expect(accepted.get(hashOf(refused), undefined)?.operationName).toBe('R');
      await server.executeOperation({ query: 'mutation M { y }' });
      expect(accepted.get(hashOf('mutation M { y }'), undefined)).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('keeps the normalized document hash: texts that differ only in ignored characters share it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\n', ',', '\t', '# c\n'), { maxLength: 6 }), (spaces) => {
        const accepted = new AcceptedOperations();
        accepted.accept('a', undefined, parse('query A { x y }'), 'A');
        accepted.accept('b', undefined, parse(`query A${spaces.join('')}{ x${spaces.join('')} y }`), 'A');
        expect(accepted.get('b', undefined)!.documentHash).toBe(accepted.get('a', undefined)!.documentHash);
      }),
      { numRuns: runs },
    );
  });

  it('bounds the heap its documents hold, counted from their texts', () => {
    const accepted = new AcceptedOperations();
    const long = `query L { x # ${'c'.repeat(100_000)}\n}`;
    for (let i = 0; i < 30; i++) accepted.accept(`h${i}`, undefined, parse(long), 'L');
    const kept = Array.from({ length: 30 }, (_, i) => accepted.get(`h${i}`, undefined)).filter(Boolean).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept * long.length * heapBytesPerChar).toBeLessThanOrEqual(acceptedHeapBytes);
    expect(accepted.get('h29', undefined)).toBeDefined();
  });
});
