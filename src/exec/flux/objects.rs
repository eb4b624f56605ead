//! The Flux kinds a check reads, references to objects of those kinds, and the two ways a
//! try gets at them: [`Direct`] reads each object by name when a rule first asks for it
//! (a HelmRelease check reads its source only when its own status cannot decide), and
//! [`Snapshot`] answers from one list of every Flux object (a `follow-inventory` tree, so a
//! poll costs one kubectl call whatever the size of the tree).
//!
//! Must not judge anything: a reader returns the object, "not found", or the verdict of a
//! kubectl call that went wrong.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use serde_json::Value;

use super::conditions::str_at;
use super::kubectl::{self, Runner};
use super::{HELM_GROUP, KUSTOMIZE_GROUP, SOURCE_GROUP, Verdict};

/// A Flux kind the checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    HelmRelease,
    Kustomization,
    GitRepository,
    OciRepository,
    HelmChart,
    Bucket,
}

impl Kind {
    pub(super) const ALL: [Kind; 6] = [
        Kind::HelmRelease,
        Kind::Kustomization,
        Kind::GitRepository,
        Kind::OciRepository,
        Kind::HelmChart,
        Kind::Bucket,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::HelmRelease => "HelmRelease",
            Kind::Kustomization => "Kustomization",
            Kind::GitRepository => "GitRepository",
            Kind::OciRepository => "OCIRepository",
            Kind::HelmChart => "HelmChart",
            Kind::Bucket => "Bucket",
        }
    }

    pub(super) fn group(self) -> &'static str {
        match self {
            Kind::HelmRelease => HELM_GROUP,
            Kind::Kustomization => KUSTOMIZE_GROUP,
            _ => SOURCE_GROUP,
        }
    }

    /// The resource name given to kubectl for one object. HelmChart is qualified by its
    /// group: k3s serves a `helmcharts.helm.cattle.io` of its own, and the bare name may
    /// resolve to that one.
    pub(super) fn resource(self) -> &'static str {
        match self {
            Kind::HelmRelease => "helmrelease",
            Kind::Kustomization => "kustomization",
            Kind::GitRepository => "gitrepository",
            Kind::OciRepository => "ocirepository",
            Kind::HelmChart => "helmchart.source.toolkit.fluxcd.io",
            Kind::Bucket => "bucket",
        }
    }

    /// The resource name in the one list call of a [`Snapshot`].
    pub(super) fn plural(self) -> &'static str {
        match self {
            Kind::HelmRelease => "helmreleases",
            Kind::Kustomization => "kustomizations",
            Kind::GitRepository => "gitrepositories",
            Kind::OciRepository => "ocirepositories",
            Kind::HelmChart => "helmcharts.source.toolkit.fluxcd.io",
            Kind::Bucket => "buckets",
        }
    }

    pub(super) fn from_name(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == kind)
    }

    /// The kind of a listed object: its `kind` (in any case: some tools print `ocirepository`),
    /// and its `apiVersion` group when it has one (a k3s `helm.cattle.io` HelmChart is not a
    /// Flux HelmChart).
    pub(super) fn of(object: &Value) -> Option<Kind> {
        let name = str_at(object, "/kind")?;
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))?;
        match str_at(object, "/apiVersion") {
            Some(api) if api.split_once('/').map(|(g, _)| g) != Some(kind.group()) => None,
            _ => Some(kind),
        }
    }
}

/// `OCIRepository flux-system/app-template`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ObjectRef {
    pub(super) kind: Kind,
    pub(super) namespace: String,
    pub(super) name: String,
}

impl ObjectRef {
    pub(super) fn new(kind: Kind, namespace: &str, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind.name(), self.namespace, self.name)
    }
}

/// Where the rules get objects from.
pub(super) trait Cluster {
    /// `Ok(None)` when the API server says the object does not exist.
    fn get(&mut self, object: &ObjectRef) -> Result<Option<Rc<Value>>, Verdict>;
    /// The kube context of the reads, for messages.
    fn context(&self) -> Option<&str>;
}

/// `HelmRelease ai/comfyui not found`, plus the context when one is set.
pub(super) fn not_found(object: &ObjectRef, context: Option<&str>) -> String {
    let mut reason = format!("{object} not found");
    if let Some(context) = context {
        reason.push_str(&format!(" in context `{context}`"));
    }
    reason
}

/// One kubectl call per object asked for, each at most once per try.
pub(super) struct Direct<'a> {
    context: Option<&'a str>,
    kubectl: &'a mut Runner<'a>,
    seen: HashMap<ObjectRef, Option<Rc<Value>>>,
}

impl<'a> Direct<'a> {
    pub(super) fn new(context: Option<&'a str>, kubectl: &'a mut Runner<'a>) -> Self {
        Direct {
            context,
            kubectl,
            seen: HashMap::new(),
        }
    }
}

impl Cluster for Direct<'_> {
    fn get(&mut self, object: &ObjectRef) -> Result<Option<Rc<Value>>, Verdict> {
        if let Some(found) = self.seen.get(object) {
            return Ok(found.clone());
        }
        let args = kubectl::get_args(object, self.context);
        let found = kubectl::run_json(&args, false, self.kubectl)?.map(Rc::new);
        self.seen.insert(object.clone(), found.clone());
        Ok(found)
    }

    fn context(&self) -> Option<&str> {
        self.context
    }
}

/// Every Flux object of every namespace, from one list call.
pub(super) struct Snapshot<'a> {
    context: Option<&'a str>,
    objects: HashMap<ObjectRef, Rc<Value>>,
}

impl<'a> Snapshot<'a> {
    pub(super) fn read(
        context: Option<&'a str>,
        kubectl: &mut Runner<'_>,
    ) -> Result<Self, Verdict> {
        let args = kubectl::list_args(context);
        let list = kubectl::run_json(&args, true, kubectl)?;
        Ok(Snapshot::from_list(context, list))
    }

    /// Indexes the `items` of a kubectl `List` (moved, not copied); items of other kinds
    /// are ignored.
    pub(super) fn from_list(context: Option<&'a str>, mut list: Option<Value>) -> Self {
        let items = match list
            .as_mut()
            .and_then(|l| l.get_mut("items"))
            .map(Value::take)
        {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let mut objects = HashMap::new();
        for item in items {
            let (Some(kind), Some(name)) = (Kind::of(&item), str_at(&item, "/metadata/name"))
            else {
                continue;
            };
            let namespace = str_at(&item, "/metadata/namespace").unwrap_or("");
            let key = ObjectRef::new(kind, namespace, name);
            objects.insert(key, Rc::new(item));
        }
        Snapshot { context, objects }
    }
}

impl Cluster for Snapshot<'_> {
    fn get(&mut self, object: &ObjectRef) -> Result<Option<Rc<Value>>, Verdict> {
        Ok(self.objects.get(object).cloned())
    }

    fn context(&self) -> Option<&str> {
        self.context
    }
}

/// A cluster of given objects (the public `assess_*` functions): everything else is not
/// found.
pub(super) struct Given(pub(super) Vec<Value>);

impl Cluster for Given {
    fn get(&mut self, object: &ObjectRef) -> Result<Option<Rc<Value>>, Verdict> {
        let found = self.0.iter().find(|o| {
            Kind::of(o) == Some(object.kind)
                && str_at(o, "/metadata/name") == Some(object.name.as_str())
                && str_at(o, "/metadata/namespace").unwrap_or("") == object.namespace
        });
        Ok(found.map(|o| Rc::new(o.clone())))
    }

    fn context(&self) -> Option<&str> {
        None
    }
}
