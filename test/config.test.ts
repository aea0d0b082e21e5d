// Configuration is parsed once at start; a bad value stops the start with the variable and the value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(4000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.migrateOnStart).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad variable and its value at once', () => {
    const bad = () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/PORT="eighty"[\s\S]*DATABASE_URL="mysql:\/\/x"|DATABASE_URL="mysql:\/\/x"[\s\S]*PORT="eighty"/);
    expect(bad).toThrow(/LOG_LEVEL="loud"/);
  });

  it('does not migrate a PostgreSQL server on start in production unless asked; the embedded one always', () => {
    const pg = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@localhost/db' };
    expect(loadConfig(pg).migrateOnStart).toBe(false);
    expect(loadConfig({ ...pg, MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).migrateOnStart).toBe(true);
  });
});

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, none by default', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'http://localhost:5173, https://app.example.com' }).CORS_ORIGINS).toEqual(['http://localhost:5173', 'https://app.example.com']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });

  it('refuses paths, trailing slashes and bare hosts, and * in production', () => {
    for (const bad of ['http://localhost:5173/', 'https://app.example.com/app', 'localhost:5173', 'null']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
    }
    expect(() => loadConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://a.example.com,*' })).toThrow(/\* is not allowed in production/);
    expect(loadConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://a.example.com' }).CORS_ORIGINS).toEqual(['https://a.example.com']);
  });
});
