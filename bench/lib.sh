# Shared helpers for the benchmark scripts (bench/http, bench/ingest).
# Source it right after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
# It only defines functions; nothing runs when it is sourced.

say() { printf '%s\n' "$*" >&2; }

# bench_command_line SCRIPT "VAR VAR..." ARGS...
# The exact command line, as it can be re-run from the repository root
# (the listed variables that are set, then the script and its arguments).
bench_command_line() {
  local script="$1" vars="$2" v line=""
  shift 2
  for v in $vars; do
    if [ -n "${!v+set}" ]; then line+="$v=$(printf '%q' "${!v}") "; fi
  done
  line+="$script"
  for a in "$@"; do line+=" $(printf '%q' "$a")"; done
  printf '%s' "$line"
}

# Sets $scratch from BENCH_SCRATCH. Call before changing directory: a relative
# BENCH_SCRATCH is relative to the caller's directory, as for swift build.
bench_resolve_scratch() {
  scratch=""
  if [ -n "${BENCH_SCRATCH:-}" ]; then
    case "$BENCH_SCRATCH" in /*) scratch="$BENCH_SCRATCH" ;; *) scratch="$PWD/$BENCH_SCRATCH" ;; esac
  fi
}

# Only the settings a script passes explicitly reach switchboard: everything else stays at its default.
bench_unset_switchboard_env() {
  local v
  while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^SWITCHBOARD_' || true)
}

# Installs wrk and nginx when missing (plus what scripts/install-deps always checks); sets $nginx_bin.
bench_prerequisites() {
  scripts/install-deps wrk nginx "$@"
  nginx_bin="$(command -v nginx || true)"
  local c
  [ -n "$nginx_bin" ] || for c in /usr/sbin/nginx /sbin/nginx; do [ -x "$c" ] && nginx_bin="$c" && break; done
  [ -n "$nginx_bin" ] || { say "nginx not found after install"; exit 1; }
  command -v wrk >/dev/null || { say "wrk not found after install"; exit 1; }
}

# Release build of switchboard (and of the extra products named as arguments) into $scratch (or .build);
# sets $switchboard_bin and $bin_dir. Run from the repository root ($repo).
bench_build() {
  say "building switchboard (release)…"
  local product
  for product in switchboard "$@"; do
    if [ -n "$scratch" ]; then
      swift build -c release --product "$product" --scratch-path "$scratch"
    else
      swift build -c release --product "$product"
    fi
  done
  local dir="${scratch:-$repo/.build}/release"
  switchboard_bin="$dir/switchboard"
  [ -x "$switchboard_bin" ] || { say "no binary at the expected build path"; exit 1; }
  for product in "$@"; do [ -x "$dir/$product" ] || { say "no $product at the expected build path"; exit 1; }; done
  bin_dir="$dir"
}

# ---------------------------------------------------------------- temp dir, processes, cleanup
# bench_setup_tmp NAME: creates $tmp and installs the EXIT/INT/TERM traps that stop
# switchboard ($switchboard_pid), nginx ($nginx_pid) and remove $tmp. A script may
# define bench_cleanup_extra (run first) to stop its own helpers.
bench_setup_tmp() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  switchboard_pid=""
  nginx_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

stopped_status=""
stop_pid() { # pid, seconds to wait after SIGTERM before SIGKILL; exit status in $stopped_status
  local pid="$1" wait_tenths=$(( $2 * 10 )) killed=""
  stopped_status=""
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "$wait_tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; killed=" (did not stop within $2 s, killed)"; fi
  stopped_status=0
  wait "$pid" 2>/dev/null || stopped_status=$?
  stopped_status+="$killed"
}

bench_cleanup() {
  if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra || true; fi
  stop_pid "$switchboard_pid" 15
  stop_pid "$nginx_pid" 10
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- helpers
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # a loopback port nobody listens on, other than $1
  # Below the kernel's ephemeral range: wrk's and curl's own connections take their local
  # ports from it, and a listener cannot bind a port one of them holds (a run failed so).
  local p low span
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  span=$(( low - 10000 ))
  [ "$span" -ge 1000 ] || { low=60000; span=40000; }   # an unusual range: fall back to a wide one
  for _ in $(seq 200); do
    p=$(( low - span + (RANDOM * 32768 + RANDOM) % span ))
    [ "$p" = "${1:-}" ] && continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  say "no free loopback port found"; return 1
}
wait_healthy() { # name, pid, url: poll for up to 15 s
  local name="$1" pid="$2" url="$3"
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { say "$name exited during start-up"; return 1; }
    curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  say "$name did not answer $url within 15 s"; return 1
}

# The wrk done() callback printing one BENCH-RESULT line (requests, duration,
# latency percentiles in microseconds, error counts). Lua source on stdout.
# bench_result(summary, latency, extra) is there for scripts that define their own
# done() and append " key=value" fields (extra) to the same line.
bench_report_lua() {
  cat <<'LUA'
bench_result = function(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d%s\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, extra))
end
done = function(summary, latency, requests)
  bench_result(summary, latency, "")
end
LUA
}

field() { # key, BENCH-RESULT line
  sed -n "s/.*[ ]$1=\([0-9.]*\).*/\1/p" <<<"$2"
}

hide_tmp() { sed "s|$tmp|\$BENCH_TMP|g"; }

# ---------------------------------------------------------------- switchboard
# bench_start_switchboard: serve on a free loopback port with the database in
# $tmp/bench.db; sets $sb_port, $switchboard_pid, $sb_version. Request logging
# stays at its default (on); stderr goes to $tmp/switchboard.stderr.
bench_start_switchboard() {
  sb_port="$(free_port)"
  mkdir -p "$tmp/data"
  SWITCHBOARD_LISTEN="127.0.0.1:$sb_port" \
  SWITCHBOARD_DATABASE="$tmp/bench.db" \
  SWITCHBOARD_DATA_DIRECTORY="$tmp/data" \
    "$switchboard_bin" serve >"$tmp/switchboard.stdout" 2>"$tmp/switchboard.stderr" &
  switchboard_pid=$!
  if ! wait_healthy switchboard "$switchboard_pid" "http://127.0.0.1:$sb_port/healthz"; then
    tail -n 20 "$tmp/switchboard.stderr" >&2; exit 1
  fi
  sb_version="$("$switchboard_bin" version 2>/dev/null | head -n 1 || true)"
}

# ---------------------------------------------------------------- nginx
# bench_start_nginx LOCATIONS: nginx on a free loopback port (not $sb_port) with
# `location = /healthz` plus the LOCATIONS text inside the server block, honouring
# $nginx_access_log (on|off). Sets $ng_port, $nginx_pid, $nginx_workers,
# $access_log_summary; the config is $tmp/nginx/nginx.conf.
bench_start_nginx() {
  local locations="${1:-}" access_log_directive
  ng_port="$(free_port "$sb_port")"
  mkdir -p "$tmp/nginx/logs"
  if [ "$nginx_access_log" = on ]; then
    access_log_directive="access_log $tmp/nginx/logs/access.log combined buffer=64k flush=1s;"
    access_log_summary="on (buffered file, buffer=64k flush=1s)"
  else
    access_log_directive="access_log off;"
    access_log_summary="off"
  fi
  cat > "$tmp/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events {
    worker_connections 4096;
}
http {
    $access_log_directive
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    server {
        listen 127.0.0.1:$ng_port;
        location = /healthz {
            default_type application/json;
            return 200 '{"status":"ok"}';
        }${locations}
    }
}
NGINX
  "$nginx_bin" -p "$tmp/nginx/" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" \
    >"$tmp/nginx/stdout" 2>"$tmp/nginx/stderr" &
  nginx_pid=$!
  if ! wait_healthy nginx "$nginx_pid" "http://127.0.0.1:$ng_port/healthz"; then
    cat "$tmp/nginx/stderr" "$tmp/nginx/logs/error.log" >&2 2>/dev/null || true; exit 1
  fi
  nginx_workers="$(pgrep -c -P "$nginx_pid" 2>/dev/null || true)"
}

# ---------------------------------------------------------------- report facts
# Sets $cpu_model, $git_rev, $git_dirty (run from the repository root).
bench_machine_facts() {
  cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)"
  git_rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  git_dirty="$( [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (working tree has uncommitted changes)' || true)"
}

# bench_write_results PREFIX STAMP: writes $report to bench/results/PREFIX-STAMP.txt
# and bench/results/PREFIX-latest.txt (each through a .tmp file and a rename).
bench_write_results() {
  local prefix="$1" stamp="$2" out
  mkdir -p "$results_dir"
  out="$results_dir/$prefix-$stamp.txt"
  printf '%s\n' "$report" > "$out.tmp" && mv "$out.tmp" "$out"
  cp "$out" "$results_dir/$prefix-latest.txt.tmp" && mv "$results_dir/$prefix-latest.txt.tmp" "$results_dir/$prefix-latest.txt"
}
