# Shared state helpers for the fake `flux` and `kubectl` (bash).
# State layout: see ../README.md.

FAKE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAKE_BIN=$(cd "$FAKE_LIB/../bin" && pwd)

: "${FAKE_CLUSTER:?FAKE_CLUSTER must point at the fake cluster state directory}"
mkdir -p "$FAKE_CLUSTER"

DIGEST=8165db26669056b0814908b32949280ce5532ae6fc455301a81395ca97eed3a7
HELMREPO_DIGEST=2ce57c79e8e133c15e674c78e5f4eb5d39c714f0b80fafa023ccbedbbb9da31c

log_call() { # tool args...
  local tool=$1; shift
  local line; line=$({ printf '%s' "$tool"; printf ' %q' "$@"; })
  printf '%s\n' "$line" >>"$FAKE_CLUSTER/calls.log"
  run_hooks "$line"
}

# $FAKE_CLUSTER/hooks: one hook per line, "ERE<TAB>shell command". The first call whose
# calls.log line matches ERE runs the command (in the caller's working directory, before
# the call is answered) and the hook is used up. Tests use this to play the operator
# between steps: the Git edit a manual step asks for, a controller catching up, ...
run_hooks() { # calls.log line
  local hooks="$FAKE_CLUSTER/hooks" n=0 re cmd fired=""
  [ -s "$hooks" ] || return 0
  while IFS=$'\t' read -r re cmd; do
    n=$((n + 1))
    [ -n "$re" ] || continue
    if [ -z "$fired" ] && printf '%s\n' "$1" | grep -qE -- "$re"; then fired=$n; break; fi
  done <"$hooks"
  [ -n "$fired" ] || return 0
  sed -n "${fired}p" "$hooks" | cut -f2- >"$hooks.run.$$"
  sed -i "${fired}s/.*//" "$hooks"
  printf '%s\n' "hook: $(cat "$hooks.run.$$")" >>"$FAKE_CLUSTER/calls.log"
  FAKE_HOOK=1 bash "$hooks.run.$$" >>"$FAKE_CLUSTER/hooks.log" 2>&1 || printf 'hook failed: %s\n' "$(cat "$hooks.run.$$")" >>"$FAKE_CLUSTER/calls.log"
  rm -f "$hooks.run.$$"
}

current_context() { cat "$FAKE_CLUSTER/context" 2>/dev/null; }

# select_cluster CONTEXT: sets D, the state dir of that context.
# $FAKE_CLUSTER/clusters/<ctx>/ when it exists, else $FAKE_CLUSTER itself.
select_cluster() {
  local ctx=${1:-$(current_context)}
  if [ -n "$ctx" ] && [ -d "$FAKE_CLUSTER/clusters/$ctx" ]; then
    D="$FAKE_CLUSTER/clusters/$ctx"
  else
    D="$FAKE_CLUSTER"
  fi
  FAKE_CTX=$ctx
}

known_context() { # ctx -> 0 if known
  local ctx=$1
  [ -d "$FAKE_CLUSTER/clusters/$ctx" ] && return 0
  [ "$ctx" = "$(current_context)" ] && return 0
  [ -f "$FAKE_CLUSTER/contexts" ] && grep -qx -- "$ctx" "$FAKE_CLUSTER/contexts" && return 0
  return 1
}

rd() { # file default
  if [ -f "$1" ]; then cat "$1"; else printf '%s' "$2"; fi
}

json_str() { # escape for a JSON string body
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\n'/\\n}
  printf '%s' "$s"
}

truncate_hex() { # cut any 40..128 hex run to 8 chars (flux utils.TruncateHex)
  sed -E 's/([0-9a-f]{8})[0-9a-f]{32,120}/\1/g'
}

git_revision() { rd "$D/git_revision" "refs/heads/main@sha1:bad4b406647c0fcf596b559a4b648a5363274b5d"; }

# ---------------------------------------------------------------- HelmRelease

hr_dir() { printf '%s/hr/%s/%s' "$D" "$1" "$2"; }
hr_exists() { [ -d "$(hr_dir "$1" "$2")" ]; }
hr_get() { rd "$(hr_dir "$1" "$2")/$3" "$4"; }
hr_set() { printf '%s' "$4" >"$(hr_dir "$1" "$2")/$3"; }

hr_version() { hr_get "$1" "$2" version 1.0.0; }
hr_target() { hr_get "$1" "$2" target "$(hr_version "$1" "$2")"; }
hr_chart() { hr_get "$1" "$2" chart app-template; }
hr_source() { hr_get "$1" "$2" source "OCIRepository/$1/$2"; }
hr_generation() { hr_get "$1" "$2" generation 1; }
hr_observed() { hr_get "$1" "$2" observed "$(hr_generation "$1" "$2")"; }
hr_revision() { hr_get "$1" "$2" revision 1; }
hr_ready() { hr_get "$1" "$2" ready True; }
hr_status() { hr_get "$1" "$2" status deployed; }
hr_suspended() { [ -f "$(hr_dir "$1" "$2")/suspended" ]; }
hr_bump_generation() {
  local g; g=$(hr_generation "$1" "$2"); local o; o=$(hr_observed "$1" "$2")
  hr_set "$1" "$2" observed "$o"
  hr_set "$1" "$2" generation $((g + 1))
}

hr_message() {
  local ns=$1 name=$2 d; d=$(hr_dir "$1" "$2")
  if [ -f "$d/message" ]; then cat "$d/message"; return; fi
  local rev; rev=$(hr_revision "$ns" "$name")
  local action=upgrade; [ "$rev" = 1 ] && action=install
  printf 'Helm %s succeeded for release %s/%s.v%s with chart %s@%s' "$action" "$ns" "$name" "$rev" "$(hr_chart "$ns" "$name")" "$(hr_version "$ns" "$name")"
}

# workloads of a release: lines "kind name" (kind in deployment|statefulset|daemonset|cronjob)
workloads_of() { # ns release
  local ns=$1 rel=$2 kind f
  for kind in deployment statefulset daemonset cronjob; do
    for f in "$D/workloads/$ns/$kind"/*; do
      [ -f "$f" ] || continue
      [ "$(cat "$f")" = "$rel" ] && printf '%s %s\n' "$kind" "$(basename "$f")"
    done
  done
}

# the workloads an upgrade conflicts with: those of the kind named in `immutable`
# (Deployment | StatefulSet | DaemonSet; empty: any kind)
conflicting_of() { # ns release
  local want; want=$(tr '[:upper:]' '[:lower:]' <"$(hr_dir "$1" "$2")/immutable")
  workloads_of "$1" "$2" | awk -v k="$want" 'k == "" || $1 == k'
}

immutable_text() { # kind name
  case $1 in
    statefulset|StatefulSet)
      printf 'cannot patch "%s" with kind StatefulSet: StatefulSet.apps "%s" is invalid: spec: Forbidden: updates to statefulset spec for fields other than '"'"'replicas'"'"', '"'"'ordinals'"'"', '"'"'template'"'"', '"'"'updateStrategy'"'"', '"'"'persistentVolumeClaimRetentionPolicy'"'"' and '"'"'minReadySeconds'"'"' are forbidden' "$2" "$2" ;;
    daemonset|DaemonSet)
      printf 'cannot patch "%s" with kind DaemonSet: DaemonSet.apps "%s" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app.kubernetes.io/controller":"%s", "app.kubernetes.io/instance":"%s", "app.kubernetes.io/name":"%s"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable' "$2" "$2" "$2" "$2" "$2" ;;
    *)
      printf 'cannot patch "%s" with kind Deployment: Deployment.apps "%s" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app.kubernetes.io/controller":"%s", "app.kubernetes.io/instance":"%s", "app.kubernetes.io/name":"%s"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable' "$2" "$2" "$2" "$2" "$2" ;;
  esac
}

# hr_attempt NS NAME FORCE(0/1) -> performs what helm-controller would do on a
# reconcile request; returns 0 when the release ends Ready, 1 when it failed.
# Sets HR_FAIL_MSG to the Stalled message on failure.
hr_attempt() {
  local ns=$1 name=$2 force=${3:-0} d; d=$(hr_dir "$1" "$2")
  HR_FAIL_MSG=
  local gen obs; gen=$(hr_generation "$ns" "$name"); obs=$(hr_observed "$ns" "$name")
  # A Stalled release is not retried for the same generation unless forced or reset.
  if [ -f "$d/stalled" ] && [ "$force" = 0 ] && [ "$gen" = "$obs" ]; then
    HR_FAIL_MSG=$(cat "$d/stalled")
    return 1
  fi
  local target version status ready source applied
  target=$(hr_target "$ns" "$name"); version=$(hr_version "$ns" "$name")
  status=$(hr_status "$ns" "$name"); ready=$(hr_ready "$ns" "$name")
  source=$(hr_source "$ns" "$name"); applied=$(hr_get "$ns" "$name" applied_source "$source")
  hr_set "$ns" "$name" observed "$gen"
  if [ "$version" = "$target" ] && [ "$status" = deployed ] && [ "$ready" = True ] && [ "$applied" = "$source" ] && [ "$force" = 0 ]; then
    return 0
  fi
  local chart rev; chart=$(hr_chart "$ns" "$name"); rev=$(hr_revision "$ns" "$name")
  local deployed; deployed=$(hr_get "$ns" "$name" deployed_version "$version")
  if [ -f "$d/immutable" ] && [ -n "$(conflicting_of "$ns" "$name")" ]; then
    local wk wn; read -r wk wn < <(conflicting_of "$ns" "$name" | head -n1)
    local err; err="Helm upgrade failed for release $ns/$name with chart $chart@$target: $(immutable_text "$wk" "$wn")"
    local retries; retries=$(hr_get "$ns" "$name" retries 0)
    printf '%s' "$err" >"$d/last_error"
    if [ "$retries" -gt 0 ]; then
      hr_set "$ns" "$name" revision $((rev + 2))
      hr_set "$ns" "$name" version "$deployed"
      hr_set "$ns" "$name" status deployed
      hr_set "$ns" "$name" ready False
      hr_set "$ns" "$name" message "Helm rollback to previous release $ns/$name.v$rev with chart $chart@$deployed succeeded"
      : >"$d/remediated"
      HR_FAIL_MSG="Failed to upgrade after $((retries + 1)) attempt(s)"
    else
      hr_set "$ns" "$name" revision $((rev + 1))
      hr_set "$ns" "$name" version "$target"
      hr_set "$ns" "$name" status failed
      hr_set "$ns" "$name" ready False
      hr_set "$ns" "$name" message "$err"
      rm -f "$d/remediated"
      HR_FAIL_MSG="Failed to upgrade after 1 attempt(s)"
    fi
    printf '%s' "$HR_FAIL_MSG" >"$d/stalled"
    hr_set "$ns" "$name" last_attempted "$target"
    return 1
  fi
  # success: upgrade to the target, recreate missing workloads with the new selector
  hr_set "$ns" "$name" revision $((rev + 1))
  hr_set "$ns" "$name" version "$target"
  hr_set "$ns" "$name" deployed_version "$target"
  hr_set "$ns" "$name" status deployed
  hr_set "$ns" "$name" ready True
  hr_set "$ns" "$name" applied_source "$source"
  hr_set "$ns" "$name" last_attempted "$target"
  rm -f "$d/message" "$d/stalled" "$d/remediated" "$d/immutable"
  local kind; kind=$(hr_get "$ns" "$name" workload_kind deployment)
  if [ ! -f "$D/workloads/$ns/$kind/$name" ]; then
    mkdir -p "$D/workloads/$ns/$kind"
    printf '%s' "$name" >"$D/workloads/$ns/$kind/$name"
  fi
  return 0
}

hr_json() { # ns name
  local ns=$1 name=$2 d; d=$(hr_dir "$1" "$2")
  local gen obs ready msg chart version status rev source skind sns sname susp ks ksns
  gen=$(hr_generation "$ns" "$name"); obs=$(hr_observed "$ns" "$name")
  ready=$(hr_ready "$ns" "$name"); msg=$(hr_message "$ns" "$name")
  chart=$(hr_chart "$ns" "$name"); version=$(hr_version "$ns" "$name")
  status=$(hr_status "$ns" "$name"); rev=$(hr_revision "$ns" "$name")
  source=$(hr_source "$ns" "$name"); IFS=/ read -r skind sns sname <<<"$source"
  susp=false; hr_suspended "$ns" "$name" && susp=true
  ks=$(hr_get "$ns" "$name" ks "$ns/$name"); ksns=${ks%%/*}; ks=${ks#*/}
  local reason=UpgradeSucceeded
  [ "$rev" = 1 ] && reason=InstallSucceeded
  [ "$ready" = False ] && reason=UpgradeFailed
  [ -f "$d/remediated" ] && reason=RollbackSucceeded
  [ "$ready" = Unknown ] && reason=Progressing
  local chartspec
  if [ "$skind" = HelmRepository ]; then
    chartspec="\"chart\":{\"spec\":{\"chart\":\"$chart\",\"version\":\"$(hr_target "$ns" "$name")\",\"sourceRef\":{\"kind\":\"HelmRepository\",\"name\":\"$sname\",\"namespace\":\"$sns\"}}}"
  else
    chartspec="\"chartRef\":{\"kind\":\"$skind\",\"name\":\"$sname\",\"namespace\":\"$sns\"}"
  fi
  local conds="{\"type\":\"Ready\",\"status\":\"$ready\",\"reason\":\"$reason\",\"message\":\"$(json_str "$msg")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  if [ "$ready" = Unknown ]; then
    conds="$conds,{\"type\":\"Reconciling\",\"status\":\"True\",\"reason\":\"Progressing\",\"message\":\"$(json_str "$msg")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  fi
  if [ -f "$d/stalled" ]; then
    conds="$conds,{\"type\":\"Stalled\",\"status\":\"True\",\"reason\":\"RetriesExceeded\",\"message\":\"$(json_str "$(cat "$d/stalled")")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  fi
  if [ -f "$d/remediated" ]; then
    conds="$conds,{\"type\":\"Remediated\",\"status\":\"True\",\"reason\":\"RollbackSucceeded\",\"message\":\"$(json_str "$msg")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  fi
  local released=True; [ "$ready" = False ] && released=False
  conds="$conds,{\"type\":\"Released\",\"status\":\"$released\",\"reason\":\"$reason\",\"message\":\"$(json_str "$msg")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  printf '{"apiVersion":"helm.toolkit.fluxcd.io/v2","kind":"HelmRelease","metadata":{"name":"%s","namespace":"%s","generation":%s,"labels":{"kustomize.toolkit.fluxcd.io/name":"%s","kustomize.toolkit.fluxcd.io/namespace":"%s"}},' "$name" "$ns" "$gen" "$ks" "$ksns"
  printf '"spec":{"interval":"30m",%s,"suspend":%s,"upgrade":{"remediation":{"retries":%s}}},' "$chartspec" "$susp" "$(hr_get "$ns" "$name" retries 0)"
  printf '"status":{"observedGeneration":%s,"conditions":[%s],' "$obs" "$conds"
  # a release installed from an OCIRepository records the artifact's digest (a rollback
  # to a release made from a HelmChart has none)
  local oci=""
  case $(hr_get "$ns" "$name" applied_source "$source") in OCIRepository/*) oci=",\"ociDigest\":\"sha256:$DIGEST\"" ;; esac
  printf '"history":[{"chartName":"%s","chartVersion":"%s","status":"%s","version":%s,"name":"%s","namespace":"%s"%s}],' "$chart" "$version" "$status" "$rev" "$name" "$ns" "$oci"
  printf '"lastAttemptedRevision":"%s","lastAttemptedReleaseAction":"upgrade","storageNamespace":"%s"}}\n' "$(hr_get "$ns" "$name" last_attempted "$version")" "$ns"
}

# ---------------------------------------------------------------- Kustomization

ks_dir() { printf '%s/ks/%s/%s' "$D" "$1" "$2"; }
ks_exists() { [ -d "$(ks_dir "$1" "$2")" ]; }
ks_get() { rd "$(ks_dir "$1" "$2")/$3" "$4"; }
ks_set() { printf '%s' "$4" >"$(ks_dir "$1" "$2")/$3"; }
ks_generation() { ks_get "$1" "$2" generation 1; }
ks_observed() { ks_get "$1" "$2" observed "$(ks_generation "$1" "$2")"; }
ks_ready() { ks_get "$1" "$2" ready True; }
ks_revision() { ks_get "$1" "$2" revision "$(git_revision)"; }
ks_message() { ks_get "$1" "$2" message "Applied revision: $(ks_revision "$1" "$2")"; }
ks_suspended() { [ -f "$(ks_dir "$1" "$2")/suspended" ]; }

# HelmReleases applied by a Kustomization: lines "ns name"
ks_releases() { # ns name
  local ns=$1 name=$2 f
  if [ -f "$(ks_dir "$ns" "$name")/inventory" ]; then
    grep '_helm.toolkit.fluxcd.io_HelmRelease_' "$(ks_dir "$ns" "$name")/inventory" | awk -F_ '{print $1, $2}'
    return
  fi
  for f in "$D"/hr/*/*; do
    [ -d "$f" ] || continue
    local hns hname; hname=$(basename "$f"); hns=$(basename "$(dirname "$f")")
    [ "$(hr_get "$hns" "$hname" ks "$hns/$hname")" = "$ns/$name" ] && printf '%s %s\n' "$hns" "$hname"
  done
}

ks_inventory_ids() {
  local ns=$1 name=$2
  if [ -f "$(ks_dir "$ns" "$name")/inventory" ]; then cat "$(ks_dir "$ns" "$name")/inventory"; return; fi
  ks_releases "$ns" "$name" | while read -r hns hname; do
    printf '%s_%s_helm.toolkit.fluxcd.io_HelmRelease\n' "$hns" "$hname"
  done
}

ks_json() {
  local ns=$1 name=$2 d; d=$(ks_dir "$1" "$2")
  local gen obs ready msg rev susp wait entries="" id
  gen=$(ks_generation "$ns" "$name"); obs=$(ks_observed "$ns" "$name")
  ready=$(ks_ready "$ns" "$name"); msg=$(ks_message "$ns" "$name"); rev=$(ks_revision "$ns" "$name")
  susp=false; ks_suspended "$ns" "$name" && susp=true
  wait=$(ks_get "$ns" "$name" wait false)
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    local v=v1; case $id in *_helm.toolkit.fluxcd.io_HelmRelease*) v=v2 ;; esac
    id=${id%_v[0-9]*}
    entries="$entries${entries:+,}{\"id\":\"$id\",\"v\":\"$v\"}"
  done < <(ks_inventory_ids "$ns" "$name")
  local reason=ReconciliationSucceeded; [ "$ready" = True ] || reason=HealthCheckFailed
  [ "$ready" = Unknown ] && reason=Progressing
  local conds="{\"type\":\"Ready\",\"status\":\"$ready\",\"reason\":\"$reason\",\"message\":\"$(json_str "$msg")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  if [ "$ready" = Unknown ]; then
    conds="$conds,{\"type\":\"Reconciling\",\"status\":\"True\",\"reason\":\"Progressing\",\"message\":\"Reconciliation in progress\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  fi
  if [ -f "$d/stalled" ]; then
    conds="$conds,{\"type\":\"Stalled\",\"status\":\"True\",\"reason\":\"BuildFailed\",\"message\":\"$(json_str "$(cat "$d/stalled")")\",\"observedGeneration\":$obs,\"lastTransitionTime\":\"2026-08-22T10:00:00Z\"}"
  fi
  printf '{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"%s","namespace":"%s","generation":%s},' "$name" "$ns" "$gen"
  printf '"spec":{"interval":"30m","path":"%s","prune":%s,"wait":%s,"suspend":%s,"deletionPolicy":"%s","sourceRef":{"kind":"GitRepository","name":"%s","namespace":"flux-system"}},' \
    "$(json_str "$(ks_get "$ns" "$name" path "./kubernetes/apps/$ns/$name/app")")" "$(ks_get "$ns" "$name" prune true)" "$wait" "$susp" "$(ks_get "$ns" "$name" deletion_policy MirrorPrune)" "$(ks_source_name "$ns" "$name")"
  printf '"status":{"observedGeneration":%s,"lastAppliedRevision":"%s","lastAttemptedRevision":"%s","conditions":[%s],"inventory":{"entries":[%s]}}}\n' "$obs" "$rev" "$rev" "$conds" "$entries"
}

# Pending Git changes of child Kustomizations, applied when cluster-apps reconciles:
# git_<file> replaces <file> (git_prune=false, ...); git_namespace moves the object, which
# is delete + create: with prune (default true) on the old object, every PVC of its
# inventory without kustomize.toolkit.fluxcd.io/prune=disabled is garbage-collected and
# the new object creates it again (new UID).
ks_apply_children() { # parent ns/name: applies the Kustomizations whose `parent` it is
  local f kns kname g
  for f in "$D"/ks/*/*; do
    [ -d "$f" ] || continue
    kname=$(basename "$f"); kns=$(basename "$(dirname "$f")")
    [ "$(rd "$f/parent" flux-system/cluster-apps)" = "$1" ] || continue
    # what deleting the old object garbage-collects: deletionPolicy Delete and
    # WaitForTermination delete whatever prune says, Orphan never does, MirrorPrune follows prune
    local moved=0 to="" old_prune; old_prune=$(ks_get "$kns" "$kname" prune true)
    case $(ks_get "$kns" "$kname" deletion_policy MirrorPrune) in
      Delete|WaitForTermination) old_prune=true ;;
      Orphan) old_prune=false ;;
    esac
    [ -f "$f/git_namespace" ] && to=$(cat "$f/git_namespace") && rm -f "$f/git_namespace"
    for g in "$f"/git_*; do
      [ -f "$g" ] || continue
      mv "$g" "$f/$(basename "$g" | sed 's/^git_//')"; moved=1
    done
    [ "$moved" = 1 ] && ks_set "$kns" "$kname" generation $(( $(ks_generation "$kns" "$kname") + 1 ))
    if [ -n "$to" ] && [ "$to" != "$kns" ]; then
      local id pns pname rest lf
      if [ "$old_prune" = true ]; then
        while IFS= read -r id; do
          case $id in *_PersistentVolumeClaim*) ;; *) continue ;; esac
          pns=${id%%_*}; rest=${id#*_}; pname=${rest%%_*}
          lf=$(obj_dir pvc "$pns" "$pname")/labels
          [ -f "$lf" ] && grep -qx 'kustomize.toolkit.fluxcd.io/prune=disabled' "$lf" && continue
          [ -d "$(obj_dir pvc "$pns" "$pname")" ] || continue
          printf '%s' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-recreated" >"$(obj_dir pvc "$pns" "$pname")/field.metadata.uid"
          printf 'pvc %s %s\n' "$pns" "$pname" >>"$D/pruned"
        done < <(ks_inventory_ids "$kns" "$kname")
      fi
      mkdir -p "$D/ks/$to"; mv "$f" "$D/ks/$to/$kname"
      local h
      for h in "$D"/hr/*/*; do
        [ "$(rd "$h/ks" "")" = "$kns/$kname" ] && printf '%s' "$to/$kname" >"$h/ks"
      done
      ks_set "$to" "$kname" generation 1; ks_set "$to" "$kname" observed 1
    fi
  done
}

ks_source_name() { local s; s=$(ks_get "$1" "$2" source "GitRepository/flux-system/flux-system"); printf '%s' "${s##*/}"; }
ks_source_ns() { local s; s=$(ks_get "$1" "$2" source "GitRepository/flux-system/flux-system"); s=${s#*/}; printf '%s' "${s%%/*}"; }

# ks_apply NS NAME -> 0 Ready, 1 failed (KS_FAIL_MSG)
ks_apply() {
  local ns=$1 name=$2 d; d=$(ks_dir "$1" "$2")
  KS_FAIL_MSG=
  ks_set "$ns" "$name" observed "$(ks_generation "$ns" "$name")"
  if [ -f "$d/fail" ]; then
    KS_FAIL_MSG=$(cat "$d/fail")
    ks_set "$ns" "$name" ready False; ks_set "$ns" "$name" message "$KS_FAIL_MSG"
    return 1
  fi
  local rev; rev=$(git_revision)
  # the root applies the child Kustomizations' ks.yaml: pending moves and spec changes
  ks_apply_children "$ns/$name"
  # apply pending Git changes to the other objects it owns (an OCIRepository's new tag)
  ks_apply_objects "$ns" "$name"
  # apply pending Git changes to the HelmReleases it owns
  local hns hname hd changed
  while read -r hns hname; do
    [ -n "$hname" ] || continue
    hd=$(hr_dir "$hns" "$hname"); [ -d "$hd" ] || continue
    changed=0
    if [ -f "$hd/git_source" ]; then
      [ -f "$hd/applied_source" ] || hr_source "$hns" "$hname" >"$hd/applied_source"
    fi
    local g
    for g in "$hd"/git_*; do
      [ -f "$g" ] || continue
      mv "$g" "$hd/$(basename "$g" | sed 's/^git_//')"; changed=1
    done
    if [ "$changed" = 1 ]; then
      hr_bump_generation "$hns" "$hname"
      rm -f "$hd/stalled"
      hr_suspended "$hns" "$hname" || hr_attempt "$hns" "$hname" 0 || true
    fi
  done < <(ks_releases "$ns" "$name")
  ks_set "$ns" "$name" revision "$rev"
  if [ "$(ks_get "$ns" "$name" wait false)" = true ]; then
    local bad=""
    while read -r hns hname; do
      [ -n "$hname" ] || continue
      hr_exists "$hns" "$hname" || continue
      if [ "$(hr_ready "$hns" "$hname")" != True ]; then bad="$bad${bad:+ }HelmRelease/$hns/$hname status: 'Failed'"; fi
    done < <(ks_releases "$ns" "$name")
    if [ -n "$bad" ]; then
      KS_FAIL_MSG="health check failed after 4.021913374s: failed early due to stalled resources: [$bad]"
      ks_set "$ns" "$name" ready False; ks_set "$ns" "$name" message "$KS_FAIL_MSG"
      return 1
    fi
  fi
  ks_set "$ns" "$name" ready True
  ks_set "$ns" "$name" message "Applied revision: $rev"
  return 0
}

# ---------------------------------------------------------------- generic objects

# ks_apply_objects NS NAME: generic objects labelled kustomize.toolkit.fluxcd.io/name=NAME
# and .../namespace=NS take their pending git_<file> changes (git_field.spec.ref.tag, ...)
ks_apply_objects() {
  local od g
  for od in "$D"/objects/*/*/*; do
    [ -f "$od/labels" ] || continue
    grep -qxF "kustomize.toolkit.fluxcd.io/name=$2" "$od/labels" || continue
    grep -qxF "kustomize.toolkit.fluxcd.io/namespace=$1" "$od/labels" || continue
    for g in "$od"/git_*; do
      [ -f "$g" ] && mv "$g" "$od/${g##*/git_}"
    done
  done
  return 0
}

obj_dir() { printf '%s/objects/%s/%s/%s' "$D" "$1" "${2:-_}" "$3"; }

# print a tablewriter table (flux get): stdin TSV rows, $1 = header TSV, $2 = 1 to print header
flux_table() {
  awk -F '\t' -v header="$1" -v show="$2" '
    BEGIN { nh = split(header, H, "\t"); for (i = 1; i <= nh; i++) w[i] = length(H[i]) }
    { n++; for (i = 1; i <= NF; i++) { C[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
    END {
      if (show) {
        line = ""
        for (i = 1; i <= nh; i++) line = line sprintf("%-" w[i] "s", H[i]) (i < nh ? "\t" : " ")
        print line
      }
      for (r = 1; r <= n; r++) {
        line = ""
        for (i = 1; i <= nh; i++) line = line sprintf("%-" w[i] "s", C[r, i]) "\t"
        print line
      }
    }'
}
