// The shape of an operation as it will execute: depth, aliases and directives with every fragment
// spread expanded in place. Counting the document text instead is what let the GHSA-224p-v68g-5g8f
// bypass through (a shallow fragment reused deep); expansion is memoised per fragment, so a document
// that reuses fragments exponentially is still measured in linear time (and refused by its numbers).
import {
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface OperationShape {
  /** Deepest field nesting outside introspection; `{ a { b } }` is 2. */
  depth: number;
  /**
   * Deepest nesting under `__schema` / `__type`, measured on its own: GraphiQL's standard
   * introspection query is 15 deep, far beyond what data queries need. Recognised by field name,
   * never by operation or fragment name (the GHSA-224p bypass).
   */
  introspectionDepth: number;
  /** Aliased fields, counted once per execution path (a fragment spread twice counts twice). */
  aliases: number;
  /** Directive uses, expanded the same way. */
  directives: number;
}

const zero: OperationShape = { depth: 0, introspectionDepth: 0, aliases: 0, directives: 0 };
const cache = new WeakMap<OperationDefinitionNode, OperationShape>();

export function operationShape(context: ValidationContext, operation: OperationDefinitionNode): OperationShape {
  const cached = cache.get(operation);
  if (cached) return cached;
  const fragments = new Map<string, OperationShape>();
  const visiting = new Set<string>();

  const dirs = (d: readonly DirectiveNode[] | undefined) => d?.length ?? 0;

  function fragmentShape(name: string): OperationShape {
    const known = fragments.get(name);
    if (known) return known;
    const def: FragmentDefinitionNode | undefined | null = context.getFragment(name);
    // Unknown fragments and cycles are reported by graphql-js's own rules; count them as empty here.
    if (!def || visiting.has(name)) return zero;
    visiting.add(name);
    const s = selectionSetShape(def.selectionSet);
    visiting.delete(name);
    const shape = Object.assign({}, s, { directives: s.directives + dirs(def.directives) });
    fragments.set(name, shape);
    return shape;
  }

  function selectionSetShape(set: SelectionSetNode | undefined): OperationShape {
    if (!set) return zero;
    let depth = 0;
    let introspectionDepth = 0;
    let aliases = 0;
    let directives = 0;
    for (const sel of set.selections) {
      directives += dirs(sel.directives);
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        const child = selectionSetShape(sel.selectionSet);
        if (sel.name.value === '__schema' || sel.name.value === '__type') {
          introspectionDepth = Math.max(introspectionDepth, 1 + Math.max(child.depth, child.introspectionDepth));
        } else {
          depth = Math.max(depth, 1 + child.depth);
          introspectionDepth = Math.max(introspectionDepth, child.introspectionDepth && 1 + child.introspectionDepth);
        }
        aliases += child.aliases;
        directives += child.directives;
      } else {
        const child = sel.kind === Kind.INLINE_FRAGMENT ? selectionSetShape(sel.selectionSet) : fragmentShape(sel.name.value);
        depth = Math.max(depth, child.depth);
        introspectionDepth = Math.max(introspectionDepth, child.introspectionDepth);
        aliases += child.aliases;
        directives += child.directives;
      }
    }
    return { depth, introspectionDepth, aliases, directives };
  }

  const body = selectionSetShape(operation.selectionSet);
  const varDirectives = operation.variableDefinitions?.reduce((n, v) => n + dirs(v.directives), 0) ?? 0;
  const shape = Object.assign({}, body, { directives: body.directives + dirs(operation.directives) + varDirectives });
  cache.set(operation, shape);
  return shape;
}

/**
 * Fields an operation selects once its fragments are expanded, counted up to `cap`: what its compiled
 * code grows with (measured: ~2 KB of heap per field). A small text can expand to thousands of fields
 * and still be priced low (`first: 1` everywhere).
 */
export function expandedFieldCount(document: DocumentNode, operationName: string | null, cap = 1_000_000): number {
  const fragments = new Map<string, SelectionSetNode>();
  let operation: SelectionSetNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d.selectionSet);
    else if (d.kind === 'OperationDefinition' && (operationName === null || d.name?.value === operationName)) operation ??= d.selectionSet;
  }
  let count = 0;
  const pending: SelectionSetNode[] = operation ? [operation] : [];
  for (let set = pending.pop(); set && count < cap; set = pending.pop()) {
    for (const s of set.selections) {
      if (s.kind === 'Field') {
        count++;
        if (s.selectionSet) pending.push(s.selectionSet);
      } else if (s.kind === 'InlineFragment') pending.push(s.selectionSet);
      else {
        const fragment = fragments.get(s.name.value);
        if (fragment) pending.push(fragment);
      }
    }
  }
  return Math.min(count, cap);
}
