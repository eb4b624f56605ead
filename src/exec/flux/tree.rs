//! `follow-inventory`: a Kustomization, and every HelmRelease and Kustomization its
//! inventory lists, recursively, each judged by its own kind's rules; cycles are cut and
//! the depth is bounded. The verdict names the first few failing (or pending) objects with
//! their one-line verdicts, then a count.
//!
//! Must not read kubectl itself: the whole tree comes from one [`Cluster`] (a
//! [`Snapshot`](super::objects::Snapshot) in a real try, so a poll is one kubectl call).

use std::collections::HashSet;

use serde_json::Value;

use super::conditions::object_ref;
use super::kustomization::inventory;
use super::objects::{Cluster, Kind, ObjectRef, not_found};
use super::{Verdict, helmrelease, kustomization};

/// Kustomizations nest a few levels in practice (flux-system → cluster → cluster-apps →
/// app); deeper than this is a loop the inventory ids do not show, or a mistake.
pub(super) const MAX_DEPTH: usize = 12;
/// How many failing (or pending) objects a verdict names before it counts the rest.
const NAMED: usize = 3;

pub(super) fn follow(root: &ObjectRef, cluster: &mut dyn Cluster) -> Verdict {
    let object = match cluster.get(root) {
        Ok(Some(object)) => object,
        Ok(None) => return Verdict::Pending(not_found(root, cluster.context())),
        Err(verdict) => return verdict,
    };
    let own = kustomization::judge(&object, cluster);
    if matches!(own, Verdict::Failed(_)) {
        return own;
    }
    let mut walk = Walk {
        visited: HashSet::from([root.clone()]),
        failed: Vec::new(),
        pending: Vec::new(),
        healthy: (0, 0),
    };
    walk.children(&object, 1, cluster);
    walk.verdict(root, own)
}

struct Walk {
    visited: HashSet<ObjectRef>,
    failed: Vec<String>,
    pending: Vec<String>,
    /// Healthy (HelmReleases, Kustomizations).
    healthy: (usize, usize),
}

impl Walk {
    fn children(&mut self, parent: &Value, depth: usize, cluster: &mut dyn Cluster) {
        let listed_in = format!(
            "listed in the inventory of Kustomization {}",
            object_ref(parent)
        );
        for child in inventory(parent) {
            if !self.visited.insert(child.clone()) {
                continue;
            }
            let found = match cluster.get(&child) {
                Ok(found) => found,
                Err(verdict) => {
                    self.record(&child, verdict, &listed_in);
                    continue;
                }
            };
            let Some(object) = found else {
                let reason = not_found(&child, cluster.context());
                self.record(&child, Verdict::Pending(reason), &listed_in);
                continue;
            };
            let verdict = match child.kind {
                Kind::HelmRelease => helmrelease::judge(&object, None, cluster),
                _ => kustomization::judge(&object, cluster),
            };
            self.record(&child, verdict, &listed_in);
            if child.kind == Kind::Kustomization {
                if depth >= MAX_DEPTH {
                    self.failed.push(format!(
                        "{child} nests Kustomizations deeper than {MAX_DEPTH} levels; not followed further ({listed_in})"
                    ));
                } else {
                    self.children(&object, depth + 1, cluster);
                }
            }
        }
    }

    fn record(&mut self, child: &ObjectRef, verdict: Verdict, listed_in: &str) {
        match verdict {
            Verdict::Failed(reason) => self.failed.push(format!("{reason} ({listed_in})")),
            Verdict::Pending(reason) => self.pending.push(format!("{reason} ({listed_in})")),
            Verdict::Healthy(_) if child.kind == Kind::HelmRelease => self.healthy.0 += 1,
            Verdict::Healthy(_) => self.healthy.1 += 1,
        }
    }

    fn verdict(self, root: &ObjectRef, own: Verdict) -> Verdict {
        let followed = self.visited.len() - 1;
        if !self.failed.is_empty() {
            return Verdict::Failed(named(&self.failed, followed, root, "failed"));
        }
        match own {
            Verdict::Pending(reason) if self.pending.is_empty() => Verdict::Pending(reason),
            Verdict::Pending(reason) => Verdict::Pending(format!(
                "{reason}; {}",
                named(&self.pending, followed, root, "not ready yet")
            )),
            _ if !self.pending.is_empty() => {
                Verdict::Pending(named(&self.pending, followed, root, "not ready yet"))
            }
            Verdict::Healthy(summary) if followed == 0 => Verdict::Healthy(format!(
                "{summary}; its inventory lists no HelmRelease or Kustomization"
            )),
            Verdict::Healthy(summary) => Verdict::Healthy(format!(
                "{summary}; below it {} and {} healthy",
                count(self.healthy.0, "HelmRelease"),
                count(self.healthy.1, "Kustomization")
            )),
            failed @ Verdict::Failed(_) => failed,
        }
    }
}

/// One object's line alone; else `3 of 40 objects under Kustomization …: a | b | c | and 2
/// more`.
fn named(lines: &[String], followed: usize, root: &ObjectRef, what: &str) -> String {
    if let [only] = lines {
        return only.clone();
    }
    let mut text = format!(
        "{} of {followed} objects under {root} {what}: {}",
        lines.len(),
        lines[..lines.len().min(NAMED)].join(" | ")
    );
    if lines.len() > NAMED {
        text.push_str(&format!(" | and {} more", lines.len() - NAMED));
    }
    text
}

fn count(n: usize, kind: &str) -> String {
    if n == 1 {
        format!("1 {kind}")
    } else {
        format!("{n} {kind}s")
    }
}
