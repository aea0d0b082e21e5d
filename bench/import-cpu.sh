#!/bin/bash
# Runs `npm run import` of /tmp/tg-gt-1m.ndjson (bench/generate-import-file.ts) into database <db> and
# reports rows/s, the path each chunk took, Node's CPU (/usr/bin/time) and the CPU of the import's
# PostgreSQL backends (/proc/<pid>/stat, sampled every 0.3 s; PostgreSQL on this machine).
# `fresh` first recreates <db> from the template tg_import_bench (its project and 200 videos, no boxes);
# `rerun` imports the same file again (every row already there).
# Usage: bench/import-cpu.sh <db> fresh|rerun [--lanes N] [--chunk-size N]   (DIR=<checkout> to run another checkout)
set -e
db=$1; mode=$2; shift 2
pg="-U postgres -h 127.0.0.1"
if [ "$mode" = fresh ]; then dropdb $pg --if-exists "$db" 2>/dev/null; createdb $pg -T tg_import_bench "$db"; fi
declare -A cpu
echo "start $(uptime)"
(cd "${DIR:-.}" && DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" /usr/bin/time -f "node: %U s user %S s sys %e s wall" \
  node --import tsx src/cli/import.ts /tmp/tg-gt-1m.ndjson "$@" >"/tmp/$db-$mode.json" 2>"/tmp/$db-$mode.err") &
pid=$!
while kill -0 $pid 2>/dev/null; do
  for b in $(psql $pg -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()"); do
    s=$(awk '{print $14+$15}' "/proc/$b/stat" 2>/dev/null) && [ -n "$s" ] && cpu[$b]=$s
  done
  sleep 0.3
done
wait $pid || true
tot=0; for b in "${!cpu[@]}"; do tot=$((tot + cpu[$b])); done
echo "end   $(uptime)"
tail -1 "/tmp/$db-$mode.err"
python3 -c "import json; d=json.load(open('/tmp/$db-$mode.json')); print('rows/s', d['rowsPerSecond'], 'elapsed ms', round(d['elapsedMs']), d.get('chunks'), d['groundTruth'])"
echo "postgres backends: $(echo "scale=2; $tot / $(getconf CLK_TCK)" | bc) s CPU over ${#cpu[@]} backends"
