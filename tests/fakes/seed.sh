#!/usr/bin/env bash
# Create fake cluster state for end-to-end tests. See README.md.
#
#   seed.sh SCENARIO                 build $FAKE_CLUSTER from scratch for a scenario
#   seed.sh app NS NAME VERSION KIND [k=v]...  a release, its Kustomization NS/NAME and workload
#   seed.sh hr NS NAME [k=v]...      create/update a HelmRelease (k = state file name)
#   seed.sh ks NS NAME [k=v]...      create/update a Kustomization
#   seed.sh workload NS KIND NAME RELEASE
#   seed.sh object KIND NS NAME [k=v]...   generic object (NS "_" = cluster-scoped)
#   seed.sh touch hr|ks NS NAME FILE       create a marker file (suspended, immutable, ...)
#
# Scenarios: healthy (default), sonarr-immutable, plex-rolled-back, chartref, edge-broken
set -euo pipefail
: "${FAKE_CLUSTER:?set FAKE_CLUSTER to the state directory}"
D=${FAKE_STATE_DIR:-$FAKE_CLUSTER}

setkv() { # dir k=v...
  local dir=$1; shift; mkdir -p "$dir"
  local kv
  for kv in "$@"; do printf '%s' "${kv#*=}" >"$dir/${kv%%=*}"; done
}
hr() { local ns=$1 name=$2; shift 2; setkv "$D/hr/$ns/$name" "$@"; }
ks() { local ns=$1 name=$2; shift 2; setkv "$D/ks/$ns/$name" "$@"; }
workload() { mkdir -p "$D/workloads/$1/$2"; printf '%s' "$4" >"$D/workloads/$1/$2/$3"; }
object() { local kind=$1 ns=$2 name=$3; shift 3; setkv "$D/objects/$kind/$ns/$name" "$@"; }

base() { # context
  mkdir -p "$FAKE_CLUSTER" "$D"
  rm -rf "$D/hr" "$D/ks" "$D/objects" "$D/workloads" "$D/recreated-by-controller" "$D/pods_unhealthy"
  printf '%s' "$1" >"$FAKE_CLUSTER/context"
  printf 'edge\nmain\n' >"$FAKE_CLUSTER/contexts"
  : >"$FAKE_CLUSTER/calls.log"
  printf 'ok' >"$D/flux-check"
  ks flux-system flux-system source=GitRepository/flux-system/flux-system path=./kubernetes/"$1"/flux/config wait=false
  ks flux-system cluster source=GitRepository/flux-system/haynes-ops path=./kubernetes/"$1"/flux wait=false
  ks flux-system cluster-apps source=GitRepository/flux-system/haynes-ops path=./kubernetes/"$1"/apps wait=false
  object gitrepository flux-system haynes-ops ready=True revision=refs/heads/main@sha1:bad4b406647c0fcf596b559a4b648a5363274b5d
  object ocirepository flux-system app-template ready=True field.spec.ref.tag=3.7.3
}

app() { # ns name version kind [extra k=v]
  local ns=$1 name=$2 version=$3 kind=$4; shift 4
  ks "$ns" "$name" source=GitRepository/flux-system/haynes-ops path=./kubernetes/apps/"$ns"/"$name"/app wait=false
  hr "$ns" "$name" version="$version" deployed_version="$version" ks="$ns/$name" workload_kind="$kind" revision=3 "$@"
  workload "$ns" "$kind" "$name" "$name"
}

case ${1:-healthy} in
  healthy)
    base "${2:-edge}"
    app default sonarr 4.1.1 deployment source=OCIRepository/default/sonarr
    object ocirepository default sonarr ready=True field.spec.ref.tag=4.1.1
    app default radarr 4.1.1 deployment source=OCIRepository/default/radarr
    object ocirepository default radarr ready=True field.spec.ref.tag=4.1.1 ;;
  sonarr-immutable)
    # app-template 3.7.3 -> 4.1.1 failed on the Deployment selector (flux-get-hr.sonarr.stdout)
    "$0" healthy "${2:-edge}"
    hr default sonarr target=4.1.1 version=4.1.1 deployed_version=3.7.3 status=failed ready=False retries=0 revision=7
    msg='Helm upgrade failed for release default/sonarr with chart app-template@4.1.1: cannot patch "sonarr" with kind Deployment: Deployment.apps "sonarr" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app.kubernetes.io/controller":"sonarr", "app.kubernetes.io/instance":"sonarr", "app.kubernetes.io/name":"sonarr"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    hr default sonarr message="$msg" last_error="$msg" stalled="Failed to upgrade after 1 attempt(s)" immutable=Deployment ;;
  plex-rolled-back)
    # upgrade remediation rolled the StatefulSet release back to 3.7.3
    "$0" healthy "${2:-edge}"
    app default plex 3.7.3 statefulset source=OCIRepository/default/plex retries=2 revision=14
    object ocirepository default plex ready=True field.spec.ref.tag=4.1.1
    hr default plex target=4.1.1 immutable=StatefulSet
    FAKE_STATE_DIR=$D "$(dirname "$0")/bin/flux" reconcile hr plex -n default >/dev/null 2>&1 || true ;;
  chartref)
    # main: three app-template releases still on spec.chart (HelmRepository bjw-s);
    # Git (git_source) already points them at OCIRepository flux-system/app-template.
    base "${2:-main}"
    for spec in downloads/ytdl-sub-youtube/cronjob media/sonarr/deployment ai/comfyui/statefulset; do
      IFS=/ read -r ns name kind <<<"$spec"
      app "$ns" "$name" 3.7.3 "$kind" source=HelmRepository/flux-system/bjw-s git_source=OCIRepository/flux-system/app-template
    done
    hr media sonarr immutable=Deployment
    hr ai comfyui immutable=StatefulSet retries=3 ;;
  edge-broken)
    "$0" sonarr-immutable edge
    ks default tautulli source=GitRepository/flux-system/haynes-ops wait=false
    hr default tautulli version=3.7.3 ks=default/tautulli
    touch "$D/hr/default/tautulli/suspended" "$D/ks/default/tautulli/suspended" ;;
  app) shift; app "$@" ;;
  hr) shift; hr "$@" ;;
  ks) shift; ks "$@" ;;
  workload) shift; workload "$@" ;;
  object) shift; object "$@" ;;
  touch) mkdir -p "$D/$2/$3/$4"; : >"$D/$2/$3/$4/$5" ;;
  *) echo "seed.sh: unknown scenario $1" >&2; exit 2 ;;
esac
