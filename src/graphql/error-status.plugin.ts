// The HTTP status of a response from the codes of its errors. Apollo takes a status only from the
// raw error's extensions.http, which a driver error (a PostgreSQL outage inside a resolver) never
// has; formatError maps it to DATABASE_UNAVAILABLE, and this sets the 503 that code means.
import type { ApolloServerPlugin } from '@apollo/server';

export function errorStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          let status: number | undefined;
          for (const e of response.body.singleResult.errors ?? []) {
            const ext = e.extensions as { http?: { status?: number } } | undefined;
            const s = ext?.http?.status;
            if (ext && 'http' in ext) delete ext.http;
            if (typeof s === 'number' && s >= 500) status = Math.max(status ?? 0, s);
          }
          if (status && (response.http.status ?? 200) < status) response.http.status = status;
        },
      };
    },
  };
}
