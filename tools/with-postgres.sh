#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 (a free port, a temporary folder), runs the command given as
# arguments with LAKEFS_POSTGRES set to its connection string, then stops the cluster and deletes it, whatever the
# outcome. For the benchmarks' refstore scenario, for example:
#   tools/with-postgres.sh dotnet run -c Release --project benchmarks/LakeFs.Benchmarks -- --only refstore
# Needs PostgreSQL's initdb and pg_ctl (Debian: apt-get install postgresql). As root they run as the postgres user,
# since the server refuses to run as root. Tuned for a throwaway cluster: fsync off (a crash loses it).
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 <command> [arguments]" >&2; exit 2; }

as_pg() { if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v pg_ctl)")"
else
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
[[ -n "$pg_bin" && -x "$pg_bin/initdb" && -x "$pg_bin/pg_ctl" ]] || { echo "PostgreSQL (initdb, pg_ctl) is not installed (apt-get install postgresql)" >&2; exit 1; }

work="$(mktemp -d)"
started=0
cleanup() {
  [[ "$started" -eq 1 ]] && as_pg "$pg_bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if command -v python3 >/dev/null 2>&1; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
else
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"
fi
[[ "$(id -u)" -eq 0 ]] && chown postgres "$work"
as_pg "$pg_bin/initdb" -D "$work/data" -U postgres -A trust --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
started=1
as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w -t 60 \
  -o "-p $port -k $work -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB" \
  start >/dev/null || { cat "$work/postgres.log" >&2; exit 1; }

export LAKEFS_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
"$@"
