//! seed-secrets-and-removing-sops, sops-scope-and-kustomization-namespacing, cloudflare-tunnel.

use super::e2e::*;

// ---------------------------------------------------------------- seed-secrets-and-removing-sops

#[test]
fn seed_secrets_moves_one_app_to_an_externalsecret() {
    let e2e = E2e::new(&["seed-secrets-and-removing-sops", "reconcile-app"], &["healthy"]).checkout(Layout::TwoCluster, |repo| {
        let app = repo.join("kubernetes/edge/apps/kube-system/cilium/app");
        write(&app.join("secret.sops.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-secret\nstringData:\n  token: ENC[AES256_GCM,data:abc=,type:str]\nsops:\n  version: 3.9.0\n");
        edit(&app.join("kustomization.yaml"), "resources:\n", "resources:\n  - ./secret.sops.yaml\n");
    });
    canary(&e2e);
    e2e.seed(&[
        "object",
        "clustersecretstore",
        "_",
        "onepassword-connect",
        "ready=True",
    ]);
    e2e.seed(&[
        "object",
        "externalsecret",
        "kube-system",
        "cilium-secret",
        "ready=True",
    ]);
    e2e.seed(&[
        "object",
        "secret",
        "kube-system",
        "cilium-secret",
        "data.token=s3cr3t",
    ]);
    let app = e2e
        .repo()
        .join("kubernetes/edge/apps/kube-system/cilium/app");
    // once the Secret synced, the operator removes the SOPS file and commits
    e2e.hook(
        "^kubectl --context edge -n kube-system get secret cilium-secret",
        &format!(
            "git -C {app} rm -q secret.sops.yaml && sed -i '/secret.sops.yaml/d' {app}/kustomization.yaml && git -C {app} commit -q -am 'cilium: drop the SOPS secret'",
            app = app.display()
        ),
    );
    let run = e2e.run(
        "seed-secrets-and-removing-sops",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("app", "cilium"),
            ("namespace", "kube-system"),
            ("ks_namespace", "kube-system"),
            ("target", "cilium-secret"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "inventory",
                "store-ready",
                "no-plaintext",
                "copy-to-backend",
                "add-externalsecret",
                "reconcile-add/reconcile-kustomization",
                "secret-synced",
                "remove-sops",
                "reconcile-remove/reconcile-kustomization",
                "still-synced",
            ],
        )
        .shows("kube-system/cilium/app/secret.sops.yaml")
        .calls_in_order(&[
            "kubectl --context edge get clustersecretstore onepassword-connect",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "kubectl --context edge -n kube-system get externalsecret cilium-secret",
            "kubectl --context edge -n kube-system get secret cilium-secret",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "flux --context edge events -A --types Warning",
        ]);
    assert!(!app.join("secret.sops.yaml").exists());
}

// ---------------------------------------------------------------- sops-scope-and-kustomization-namespacing

#[test]
fn sops_scope_lists_sops_files_outside_flux_vars() {
    let e2e = E2e::new(&["sops-scope-and-kustomization-namespacing"], &["healthy"]).checkout(
        Layout::TwoCluster,
        |repo| {
            let sops =
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nsops:\n  version: 3.9.0\n";
            write(
                &repo.join("kubernetes/edge/flux/vars/cluster-secrets.sops.yaml"),
                sops,
            );
            write(
                &repo.join("kubernetes/edge/apps/kube-system/cilium/app/secret.sops.yaml"),
                sops,
            );
            // The edit's check wants decryption exactly where SOPS files are applied.
            let ks = repo.join("kubernetes/edge/apps/kube-system/cilium/ks.yaml");
            let text = std::fs::read_to_string(&ks).expect("read cilium's ks.yaml");
            let decrypting = text.replace(
                "  prune: false\n",
                "  prune: false\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
            );
            assert_ne!(text, decrypting, "cilium's ks.yaml changed shape");
            write(&ks, &decrypting);
        },
    );
    let run = e2e.run(
        "sops-scope-and-kustomization-namespacing",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("namespace", "kube-system"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "sops-outside-vars",
                "namespaces-with-sops-component",
                "ks-needing-decryption",
                "edit",
                "record-commit",
                "reconcile",
            ],
        )
        .shows("kubernetes/edge/apps/kube-system/cilium/app/secret.sops.yaml")
        .hides("kubernetes/edge/flux/vars/cluster-secrets.sops.yaml")
        .shows("./cilium/ks.yaml path=./kubernetes/edge/apps/kube-system/cilium/app sops_files=1 decryption=1")
        .calls_in_order(&[
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge events -A --types Warning",
        ]);
}

// ---------------------------------------------------------------- cloudflare-tunnel

#[test]
fn cloudflare_tunnel_deploys_and_validates() {
    let e2e = E2e::new(
        &["cloudflare-tunnel", "reconcile-app"],
        &["healthy", "main"],
    )
    .checkout(Layout::TwoCluster, |_| {});
    e2e.seed(&[
        "ks",
        "network",
        "cloudflare-tunnel",
        "source=GitRepository/flux-system/haynes-ops",
        "wait=true",
    ]);
    e2e.seed(&[
        "hr",
        "network",
        "cloudflare-tunnel",
        "chart=app-template",
        "version=4.1.1",
        "ks=network/cloudflare-tunnel",
    ]);
    e2e.seed(&[
        "workload",
        "network",
        "deployment",
        "cloudflare-tunnel",
        "cloudflare-tunnel",
    ]);
    e2e.seed(&[
        "object",
        "externalsecret",
        "network",
        "cloudflare-tunnel",
        "ready=True",
    ]);
    e2e.fake_tool("getent", "printf '%s %s\\n' 2606:4700::6810:84e5 \"$2\"");
    e2e.fake_tool("curl", "printf 'HTTP/2 302\\r\\ndate: Thu, 26 Nov 2026 10:00:00 GMT\\r\\nserver: cloudflare\\r\\n\\r\\n'");
    e2e.run("cloudflare-tunnel", &[("cluster", "main"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &["dns01", "create-tunnel", "add-app", "app-commit", "deploy/reconcile-kustomization", "deploy/reconcile-helmrelease", "connected", "dns-target", "repoint-routes", "validate", "wan-check"],
        )
        .calls_in_order(&[
            "flux --context main reconcile kustomization cloudflare-tunnel -n network --with-source",
            "flux --context main reconcile helmrelease cloudflare-tunnel -n network --with-source",
            "kubectl --context main -n network rollout status deployment/cloudflare-tunnel --timeout=5m",
            "kubectl --context main -n network get externalsecret cloudflare-tunnel",
            "getent hosts ingress-ext.haynesnetwork.com",
            "curl -sSI --max-time 15 https://authentik.haynesnetwork.com/",
        ]);
}
