//! Which source an object is made from, and whether what it was made from is that source's
//! current artifact: `spec.chartRef` (OCIRepository or HelmChart) or `spec.chart` (the
//! HelmChart `<namespace>-<name>`) of a HelmRelease, `spec.sourceRef` (GitRepository,
//! OCIRepository, Bucket) of a Kustomization, and `status.artifact.revision` of the source.
//!
//! Must not decide health: it answers "which source", "what is its artifact" and "does this
//! revision match it"; [`super::helmrelease`] and [`super::kustomization`] decide.

use serde_json::Value;

use super::Verdict;
use super::conditions::str_at;
use super::objects::{Cluster, Kind, ObjectRef};

/// The current artifact of an object's source, as far as it can be known.
pub(super) enum Current {
    /// The source and its `status.artifact.revision`.
    Artifact { source: ObjectRef, revision: String },
    /// The source exists but reports no artifact (source-controller has never fetched it):
    /// nothing to compare with.
    NoArtifact(ObjectRef),
    /// The source the object names does not exist (deleted after the release; the
    /// controller reports it on its next reconcile): nothing to compare with.
    Missing(ObjectRef),
    /// The object names no source this check can read (say why).
    Untracked(String),
}

/// Reads the source of `object` (a HelmRelease or a Kustomization) through `cluster`.
pub(super) fn current(object: &Value, cluster: &mut dyn Cluster) -> Result<Current, Verdict> {
    let source = match source_of(object) {
        Ok(source) => source,
        Err(why) => return Ok(Current::Untracked(why)),
    };
    let Some(found) = cluster.get(&source)? else {
        return Ok(Current::Missing(source));
    };
    Ok(match str_at(&found, "/status/artifact/revision") {
        Some(revision) if !revision.is_empty() => Current::Artifact {
            source,
            revision: revision.to_string(),
        },
        _ => Current::NoArtifact(source),
    })
}

/// The source reference of a HelmRelease or Kustomization, or why there is none to read.
pub(super) fn source_of(object: &Value) -> Result<ObjectRef, String> {
    let own_namespace = str_at(object, "/metadata/namespace").unwrap_or("");
    let (reference, allowed): (&Value, &[Kind]) = match str_at(object, "/kind") {
        Some("HelmRelease") => {
            if let Some(chart_ref) = object.pointer("/spec/chartRef") {
                (chart_ref, &[Kind::OciRepository, Kind::HelmChart])
            } else {
                return legacy_chart(object, own_namespace);
            }
        }
        _ => match object.pointer("/spec/sourceRef") {
            Some(source_ref) => (
                source_ref,
                &[Kind::GitRepository, Kind::OciRepository, Kind::Bucket],
            ),
            None => return Err("no `spec.sourceRef`".to_string()),
        },
    };
    let kind_name = str_at(reference, "/kind").unwrap_or("");
    let Some(kind) = Kind::from_name(kind_name).filter(|k| allowed.contains(k)) else {
        return Err(format!(
            "its source kind `{kind_name}` is not one this check reads"
        ));
    };
    let name = str_at(reference, "/name").unwrap_or("");
    let namespace = str_at(reference, "/namespace")
        .filter(|n| !n.is_empty())
        .unwrap_or(own_namespace);
    Ok(ObjectRef::new(kind, namespace, name))
}

/// `spec.chart`: helm-controller makes the HelmChart `<namespace>-<name>` in the namespace
/// of `spec.chart.spec.sourceRef`, and records it in `status.helmChart`.
fn legacy_chart(object: &Value, own_namespace: &str) -> Result<ObjectRef, String> {
    if let Some((namespace, name)) =
        str_at(object, "/status/helmChart").and_then(|s| s.split_once('/'))
    {
        return Ok(ObjectRef::new(Kind::HelmChart, namespace, name));
    }
    if object.pointer("/spec/chart").is_none() {
        return Err("neither `spec.chartRef` nor `spec.chart`".to_string());
    }
    let namespace = str_at(object, "/spec/chart/spec/sourceRef/namespace")
        .filter(|n| !n.is_empty())
        .unwrap_or(own_namespace);
    let name = str_at(object, "/metadata/name").unwrap_or("");
    Ok(ObjectRef::new(
        Kind::HelmChart,
        namespace,
        &format!("{own_namespace}-{name}"),
    ))
}

/// What a Helm release was made from: helm-controller's chart version (with `+<digest12>`
/// when it tracks OCI digests) and the OCI manifest digest when recorded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Made<'a> {
    pub(super) version: &'a str,
    pub(super) oci_digest: Option<&'a str>,
}

/// Whether a chart `made` from a source of `kind` is its artifact `revision`.
///
/// OCIRepository revisions are `<tag>@sha256:<hex>` (or only the digest). The digest
/// decides when the release recorded one (`ociDigest`, or the `+<digest12>` that digest
/// tracking adds to the chart version): it names the artifact, whatever the tag says.
/// Without one, a tag that looks like a version must be the chart version. A HelmChart
/// revision is the chart version itself.
pub(super) fn made_from(kind: Kind, made: Made<'_>, revision: &str) -> bool {
    let (core, build) = split_build(made.version);
    if kind != Kind::OciRepository {
        return made.version == revision
            || ((build.is_none() || !revision.contains('+')) && split_build(revision).0 == core);
    }
    let (tag, digest) = match revision.split_once('@') {
        Some((tag, digest)) => (Some(tag), Some(digest)),
        None if revision.starts_with("sha256:") => (None, Some(revision)),
        None => (Some(revision), None),
    };
    if let (Some(digest), Some(recorded)) = (digest, made.oci_digest) {
        return digest == recorded;
    }
    if let (Some(digest), Some(build)) = (digest, build)
        && build.len() >= 7
        && build.chars().all(|c| c.is_ascii_hexdigit())
    {
        return digest.trim_start_matches("sha256:").starts_with(build);
    }
    tag.filter(|t| looks_like_version(t))
        .is_none_or(|tag| tag.trim_start_matches('v') == core.trim_start_matches('v'))
}

fn split_build(version: &str) -> (&str, Option<&str>) {
    match version.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (version, None),
    }
}

fn looks_like_version(tag: &str) -> bool {
    tag.trim_start_matches('v')
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}
