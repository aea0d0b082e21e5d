// graphql-codegen plugin: the trusted-documents manifest, sha256 hex of each operation's printed
// text → that text. The text is graphql's print() of the very document the client preset emits
// (same document transforms, so __typename included), which is what Apollo Client's
// PersistedQueryLink and urql's persisted exchange hash and send by default: a client's own hash of
// a typed document is a manifest key, with no generateHash of its own.
const { createHash } = require('node:crypto');
const { print } = require('graphql');

module.exports = {
  plugin(_schema, documents) {
    const entries = documents
      .filter((file) => file.document)
      .map((file) => print(file.document))
      .map((text) => [createHash('sha256').update(text).digest('hex'), text])
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
  },
};
