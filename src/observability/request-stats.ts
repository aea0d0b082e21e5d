// Reports what each request cost the database in the x-sql-statements response header, so tests and
// benchmarks can count statements per request from outside the process.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context.js';

export function requestStatsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          response.http.headers.set('x-sql-statements', String(contextValue.sqlStats.statements));
        },
      };
    },
  };
}
