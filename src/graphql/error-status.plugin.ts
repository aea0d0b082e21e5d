// The HTTP status of a GraphQL result, as the GraphQL-over-HTTP spec requires for both media types:
// a result that carries data is 200 even with field errors (clients then keep the partial data);
// a request error (parse, validation, variables, limits) or a null result takes its errors' status. Apollo takes a status only from the raw error's
// extensions.http, which a driver error (a PostgreSQL outage inside a resolver) never has;
// formatError maps it to DATABASE_UNAVAILABLE, and this sets the 503 that code means.
// extensions.http is server-side bookkeeping and is removed from every error a client sees.
import type { ApolloServerPlugin } from '@apollo/server';

export function errorStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          let status: number | undefined;
          for (const e of result.errors ?? []) {
            const ext = e.extensions as { http?: { status?: number } } | undefined;
            const s = ext?.http?.status;
            if (ext && 'http' in ext) delete ext.http;
            if (typeof s === 'number' && s >= 500) status = Math.max(status ?? 0, s);
          }
          if (result.data !== undefined && result.data !== null) {
            response.http.status = 200;
            return;
          }
          // data null (every root field failed, e.g. a rejected mutation input) keeps the status of
          // its errors: the spec only recommends 200 there, and a 400 / 503 shows the failure to
          // proxies, logs and retry policies (docs/frontend.md → Status codes).
          if (status && (response.http.status ?? 200) < status) response.http.status = status;
        },
      };
    },
  };
}
