#!/usr/bin/env bash
# A PostgreSQL streaming replica for the views' reads (DATABASE_READ_URL), made with Debian's
# postgresql-common tools: a second cluster, on another port of this machine, that is a hot standby
# of the primary cluster. On a second machine the steps are the same with NQ57_PRIMARY_HOST set to
# the primary's address (deploy/README.md).
#
#   deploy/replica.sh create PORT    new cluster "replicaPORT" on PORT: pg_createcluster, then
#                                    pg_basebackup -R from the primary (it streams from then on)
#   deploy/replica.sh drop PORT      stop and remove that cluster (and its replication slot)
#   deploy/replica.sh status PORT    is it a standby, and how far behind (bytes of WAL)
#
# Settings (environment): NQ57_PRIMARY_HOST (127.0.0.1), NQ57_PRIMARY_PORT (5432), NQ57_REPLICATION_USER
# (the role pg_basebackup connects as: a superuser or a role WITH REPLICATION; default the current
# user), NQ57_REPLICA_SLOT (1, the default: the primary keeps the WAL its replica has not received
# in a replication slot, so a busy primary never removes what the replica still needs; a replica
# that is gone for good must then be dropped with this script, or the primary's disk fills up; 0:
# no slot, and the replica may have to be made again after falling behind).
# Run as root (or postgres). The primary must have wal_level = replica (the default) and
# max_wal_senders > 0; a pg_hba.conf rule for replication connections from 127.0.0.1 is added when
# none exists, with the method the primary's rule for local TCP connections uses.
set -euo pipefail

PRIMARY_HOST="${NQ57_PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${NQ57_PRIMARY_PORT:-5432}"
REPL_USER="${NQ57_REPLICATION_USER:-$(id -un)}"
HBA_MARK="# added by NQ57 deploy/replica.sh"

die() { echo "replica.sh: $*" >&2; exit 1; }
say() { echo "replica.sh: $*" >&2; }

primary_sql() {
    psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" -d postgres -v ON_ERROR_STOP=1 -Atqc "$1"
}

replica_sql() {  # PORT SQL
    psql -h 127.0.0.1 -p "$1" -U "$REPL_USER" -d postgres -v ON_ERROR_STOP=1 -Atqc "$2"
}

cluster_field() {  # PORT FIELD(1 version, 2 name, 6 data directory): of the local cluster on PORT
    pg_lsclusters -h 2>/dev/null | awk -v port="$1" -v f="$2" '$3 == port { print $f; exit }'
}

ctl() {  # VERSION NAME ACTION: through systemd when it runs this machine, else directly
    if [[ -d /run/systemd/system ]]; then
        pg_ctlcluster "$1" "$2" "$3"
    else
        pg_ctlcluster --skip-systemctl-redirect "$1" "$2" "$3"
    fi
}

require_tools() {
    local tool
    for tool in pg_createcluster pg_basebackup pg_ctlcluster pg_dropcluster pg_lsclusters psql; do
        command -v "$tool" >/dev/null || die "$tool not found: install postgresql-common and the server (apt-get install postgresql)"
    done
    [[ $(id -u) -eq 0 || $(id -un) == postgres ]] || die "run as root or postgres (pg_createcluster writes /etc/postgresql and /var/lib/postgresql)"
}

check_port() {
    [[ "${1:-}" =~ ^[0-9]+$ ]] || die "usage: deploy/replica.sh create|drop|status PORT"
}

allow_replication_connections() {
    local rules method hba
    rules=$(primary_sql "select count(*) from pg_hba_file_rules where error is null and 'replication' = any(database)
                         and (type = 'local' or address is null or address in ('127.0.0.1', 'all', '0.0.0.0', 'samehost'))")
    [[ "$rules" != 0 ]] && return
    [[ "$PRIMARY_HOST" == 127.0.0.1 || "$PRIMARY_HOST" == localhost ]] \
        || die "the primary accepts no replication connections: add a 'host replication $REPL_USER <this machine>/32 scram-sha-256' line to its pg_hba.conf"
    method=$(primary_sql "select auth_method from pg_hba_file_rules where error is null and type = 'host'
                          and 'all' = any(database) and address = '127.0.0.1' order by line_number limit 1")
    hba=$(primary_sql "show hba_file")
    printf '%s\nhost    replication     all             127.0.0.1/32            %s\n' "$HBA_MARK" "${method:-scram-sha-256}" >>"$hba"
    primary_sql "select pg_reload_conf()" >/dev/null
    say "allowed replication connections from 127.0.0.1 in $hba (${method:-scram-sha-256})"
}

cmd_create() {
    local port=$1 version name datadir conf_dir slot_args=()
    require_tools
    [[ -z "$(cluster_field "$port" 2)" ]] || die "a cluster already uses port $port (pg_lsclusters); deploy/replica.sh drop $port first"
    version=$(cluster_field "$PRIMARY_PORT" 1)
    [[ -n "$version" ]] || version=$(primary_sql "show server_version_num" | cut -c1-2)
    name="replica$port"
    [[ "$(primary_sql "show wal_level")" != minimal ]] || die "the primary has wal_level = minimal: set it to replica and restart it"
    [[ "$(primary_sql "show max_wal_senders")" -gt 0 ]] || die "the primary has max_wal_senders = 0: raise it and restart it"
    allow_replication_connections

    pg_createcluster "$version" "$name" -p "$port" >/dev/null
    datadir=$(cluster_field "$port" 6)
    conf_dir="/etc/postgresql/$version/$name"
    # The same access rules as the primary: the app servers read the replica as they write the primary.
    cp "$(primary_sql "show hba_file")" "$conf_dir/pg_hba.conf"
    find "$datadir" -mindepth 1 -delete
    if [[ "${NQ57_REPLICA_SLOT:-1}" == 1 ]]; then
        slot_args=(--create-slot --slot "nq57_replica_$port")
    fi
    # -R writes primary_conninfo and standby.signal: the copy starts as a streaming hot standby.
    runuser -u postgres -- pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" -D "$datadir" \
        --wal-method=stream --checkpoint=fast --write-recovery-conf "${slot_args[@]}" \
        || { pg_dropcluster "$version" "$name" 2>/dev/null || true; die "pg_basebackup from $PRIMARY_HOST:$PRIMARY_PORT failed"; }
    ctl "$version" "$name" start
    for _ in $(seq 1 60); do
        [[ "$(replica_sql "$port" "select pg_is_in_recovery()" 2>/dev/null)" == t ]] && break
        sleep 0.5
    done
    [[ "$(replica_sql "$port" "select pg_is_in_recovery()")" == t ]] || die "the cluster on port $port is not a standby"
    say "cluster $version/$name on port $port streams from $PRIMARY_HOST:$PRIMARY_PORT"
    say "point the views at it: DATABASE_READ_URL=postgresql://USER@HOST:$port/DATABASE"
}

cmd_drop() {
    local port=$1 version name others hba
    require_tools
    version=$(cluster_field "$port" 1)
    name=$(cluster_field "$port" 2)
    [[ -n "$name" ]] || { say "no cluster on port $port"; return 0; }
    [[ "$name" == "replica$port" ]] || die "the cluster on port $port ($version/$name) was not made by this script; not dropping it"
    pg_dropcluster --stop "$version" "$name"
    for _ in $(seq 1 20); do  # the slot is free once the primary's sender has noticed the replica is gone
        [[ "$(primary_sql "select count(*) from pg_replication_slots where slot_name = 'nq57_replica_$port'")" == 0 ]] \
            && break
        primary_sql "select pg_drop_replication_slot(slot_name) from pg_replication_slots
                     where slot_name = 'nq57_replica_$port' and not active" >/dev/null || true
        sleep 0.5
    done
    # The replication rule this script added goes when no replica of it is left.
    others=$(pg_lsclusters -h 2>/dev/null | awk '$2 ~ /^replica[0-9]+$/' | wc -l)
    hba=$(primary_sql "show hba_file")
    if [[ "$others" == 0 ]] && grep -qF "$HBA_MARK" "$hba"; then
        sed -i "\\|^$HBA_MARK\$|,+1d" "$hba"
        primary_sql "select pg_reload_conf()" >/dev/null
    fi
    say "dropped cluster $version/$name (port $port)"
}

cmd_status() {
    local port=$1 standby replayed
    standby=$(replica_sql "$port" "select pg_is_in_recovery()") || die "no PostgreSQL answers on port $port"
    [[ "$standby" == t ]] || { echo "port $port: not a standby"; return 1; }
    replayed=$(replica_sql "$port" "select pg_last_wal_replay_lsn()")
    echo "port $port: standby of $PRIMARY_HOST:$PRIMARY_PORT, $(primary_sql \
        "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$replayed')") bytes of WAL behind"
}

case "${1:-}" in
    create) check_port "${2:-}"; cmd_create "$2" ;;
    drop) check_port "${2:-}"; cmd_drop "$2" ;;
    status) check_port "${2:-}"; cmd_status "$2" ;;
    *) echo "usage: deploy/replica.sh create|drop|status PORT" >&2; exit 2 ;;
esac
