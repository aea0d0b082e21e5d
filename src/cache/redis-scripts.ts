// The Lua scripts of the Redis store (redis-store.ts holds the layout they work on): each operation
// is one script, so its checks and writes are atomic.
import type { Redis } from 'ioredis';

// The sequence is set when a script starts an epoch, and is never below a version it stamped (a tag's
// in tv, the floor). Missing or below one of them, it was lost — a DEL, eviction under a policy that
// evicts keys without a TTL, or lost and then recreated by the INCR of a process of an earlier version
// during a deploy — and with it every way to verify the epoch's entries: counting up again through the
// same numbers, it would pass heads stored before the loss. So a new epoch orphans them (its id mixes in
// the old one's, so a clock stepping back cannot revive an old epoch), and the sequence restarts at the
// highest version still known, so the new epoch's stores pass the checks of tags invalidated before.
const currentEpochLua = `
-- Returns the epoch, the sequence and the floor.
local function currentEpoch(p)
  local epoch = redis.call('GET', p .. 'epoch')
  local seq = redis.call('GET', p .. 'seq')
  local floor = tonumber(redis.call('GET', p .. 'floor') or '0')
  local top = floor
  local last = redis.call('ZRANGE', p .. 'tv', -1, -1, 'WITHSCORES')[2]
  if last and tonumber(last) > top then top = tonumber(last) end
  if epoch and seq and tonumber(seq) >= top then return epoch, seq, floor end
  local t = redis.call('TIME')
  local new = t[1] .. '.' .. t[2] .. '.' .. string.sub(redis.sha1hex(epoch or ''), 1, 12)
  redis.call('SET', p .. 'epoch', new)
  if not seq or tonumber(seq) < top then
    seq = string.format('%d', top)
    redis.call('SET', p .. 'seq', seq)
  end
  return new, seq, floor
end
`;

const lookupLua = `${currentEpochLua}
local p = ARGV[1]
local epoch, seq, floor = currentEpoch(p)
local ek = p .. 'e:' .. epoch .. ':' .. ARGV[2]
local hk = p .. 'h:' .. epoch .. ':' .. ARGV[2]
local gk = p .. 'g:' .. epoch .. ':' .. ARGV[2]
-- The reply for a fresh entry, nil when its body is gone: its body and the store's id (the head's
-- second line, after '#'). A body over ARGV[5] bytes, or the body of the store ARGV[6] (the caller
-- holds a copy of it), is not returned: the caller serves its copy or GETs it (see bodyApartBytes).
local function found(head)
  local id = string.match(head, '^[^\\n]*\\n#([^\\n]*)') or ''
  local size = redis.call('STRLEN', ek)
  if size > 0 and (size > tonumber(ARGV[5]) or (id ~= '' and id == ARGV[6])) then return {epoch, seq, '', '0', '1', id} end
  local body = redis.call('GET', ek)
  if body then return {epoch, seq, body, '0', '0', id} end
end
local head = redis.call('GET', hk)
if head then
  -- Its first line: the sequence it was stored, or last found fresh, at.
  local nl = string.find(head, '\\n', 1, true) or #head + 1
  local stored = tonumber(string.sub(head, 1, nl - 1))
  if stored == tonumber(seq) then
    -- No invalidation has happened since, so no tag can be newer (and the floor, a popped version, is
    -- not above it). Skips a ZSCORE per tag (~1 µs each, 50 on a page).
    local reply = found(head)
    if reply then return reply end
  else
    -- A head above the sequence: nothing can be verified.
    local fresh = stored >= floor and stored <= tonumber(seq)
    if fresh then
      -- Evicted apart from its head under memory pressure: nothing left to check it against.
      local tags = redis.call('GET', gk)
      if not tags then fresh = false
      else
        for tag in string.gmatch(tags, '[^\\n]+') do
          local v = redis.call('ZSCORE', p .. 'tv', tag)
          if v and tonumber(v) > stored then fresh = false break end
        end
      end
    end
    if fresh then
      local reply = found(head)
      if reply then
        -- Fresh as of the current sequence: record that, so its next reads are a hit's MGET again
        -- (RedisStore.peek) instead of this check. Any tag version dropped from tv is <= floor <= stored.
        redis.call('SET', hk, seq .. string.sub(head, nl), 'KEEPTTL')
        return reply
      end
    else
      redis.call('DEL', ek, hk, gk)
    end
  end
end
local locked = '1'
if ARGV[3] ~= '' then
  if not redis.call('SET', p .. 'l:' .. epoch .. ':' .. ARGV[2], ARGV[3], 'NX', 'PX', ARGV[4]) then locked = '0' end
end
return {epoch, seq, '', locked}
`;

const storeLua = `
local p = ARGV[1]
local ek = p .. 'e:' .. ARGV[3] .. ':' .. ARGV[2]
local hk = p .. 'h:' .. ARGV[3] .. ':' .. ARGV[2]
local gk = p .. 'g:' .. ARGV[3] .. ':' .. ARGV[2]
local lock = p .. 'l:' .. ARGV[3] .. ':' .. ARGV[2]
if ARGV[7] ~= '' and redis.call('GET', lock) == ARGV[7] then redis.call('DEL', lock) end
if redis.call('GET', p .. 'epoch') ~= ARGV[3] then return 0 end
local seq = tonumber(ARGV[4])
-- No sequence, or one below the snapshot, means Redis lost it meanwhile: nothing can be verified.
local current = redis.call('GET', p .. 'seq')
if not current or tonumber(current) < seq then return 0 end
if seq < tonumber(redis.call('GET', p .. 'floor') or '0') then return 0 end
for i = 9, #ARGV do
  local v = redis.call('ZSCORE', p .. 'tv', ARGV[i])
  if v and tonumber(v) > seq then return 0 end
end
local ttl = tonumber(ARGV[5])
redis.call('SET', ek, ARGV[6], 'EX', ttl)
redis.call('SET', hk, ARGV[4] .. '\\n#' .. ARGV[8], 'EX', ttl)
redis.call('SET', gk, table.concat(ARGV, '\\n', 9), 'EX', ttl)
for i = 9, #ARGV do
  local t = p .. 't:' .. ARGV[i]
  redis.call('SADD', t, ek)
  if redis.call('TTL', t) < ttl then redis.call('EXPIRE', t, ttl) end
  -- A tag that is read often and seldom invalidated keeps its set alive forever; drop members whose
  -- entry has expired, a sample per store, so the set tracks the live entries.
  if redis.call('SCARD', t) > 256 then
    for _, member in ipairs(redis.call('SRANDMEMBER', t, 16)) do
      if redis.call('EXISTS', member) == 0 then redis.call('SREM', t, member) end
    end
  end
end
return 1
`;

const invalidateLua = `${currentEpochLua}
local p = ARGV[1]
currentEpoch(p)
local seq = redis.call('INCR', p .. 'seq')
local n = 0
local cut = #p + 3
for i = 3, #ARGV do
  redis.call('ZADD', p .. 'tv', seq, ARGV[i])
  local t = p .. 't:' .. ARGV[i]
  local keys = redis.call('SMEMBERS', t)
  for j = 1, #keys, 250 do
    local entries, heads = {}, {}
    for k = j, math.min(j + 249, #keys) do
      entries[#entries + 1] = keys[k]
      local rest = string.sub(keys[k], cut)
      heads[#heads + 1] = p .. 'h:' .. rest
      heads[#heads + 1] = p .. 'g:' .. rest
    end
    n = n + redis.call('DEL', unpack(entries))
    redis.call('DEL', unpack(heads))
  end
  redis.call('DEL', t)
end
-- Keep the newest versions only; entries older than the oldest kept one are then distrusted.
local excess = redis.call('ZCARD', p .. 'tv') - tonumber(ARGV[2])
if excess > 0 then
  local popped = redis.call('ZPOPMIN', p .. 'tv', excess)
  local top = tonumber(popped[#popped])
  if top > tonumber(redis.call('GET', p .. 'floor') or '0') then redis.call('SET', p .. 'floor', top) end
end
return n
`;

const unlockLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface ScriptedRedis extends Redis {
  tgLookup(...args: string[]): Promise<[string, string, string | null, string, string?, string?]>;
  tgLookupBuffer(...args: string[]): Promise<[Buffer, Buffer, Buffer, Buffer, Buffer?, Buffer?]>;
  tgStore(...args: string[]): Promise<number>;
  tgInvalidate(...args: string[]): Promise<number>;
  tgUnlock(key: string, token: string): Promise<number>;
}

/** Makes the scripts commands of this connection (once; ioredis loads them by sha, then by text). */
export function defineScripts(r: Redis): void {
  if ('tgLookup' in r) return;
  r.defineCommand('tgLookup', { numberOfKeys: 0, lua: lookupLua });
  r.defineCommand('tgStore', { numberOfKeys: 0, lua: storeLua });
  r.defineCommand('tgInvalidate', { numberOfKeys: 0, lua: invalidateLua });
  r.defineCommand('tgUnlock', { numberOfKeys: 1, lua: unlockLua });
}
