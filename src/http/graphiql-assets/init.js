// Mounts GraphiQL (loaded from this server by graphiql.html) against this server's /graphql.
// A separate file rather than an inline script so the page's Content-Security-Policy can forbid
// inline scripts.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultQuery: '# truthgraph: run with Ctrl-Enter. Docs and History are in the left sidebar.\n{\n  projects(first: 5) {\n    totalCount\n    nodes { id name stats { videoCount groundTruthTotal } }\n  }\n}\n',
    }),
  );
})();
