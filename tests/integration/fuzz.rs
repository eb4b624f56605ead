//! No panic, no hang, on any input: the reported crashes reproduced exactly, and a few
//! thousand runbooks mutated from the shipped ones (seeded: line deletions, swaps and
//! duplications, flipped bytes, truncation, huge strings, invalid UTF-8) fed through
//! the real binary: every mutant through `check` and `list` (a batch of 200 per
//! invocation), the valid ones through `docs`, and a dozen of each batch (valid first)
//! through `show`, `graph` and `run --dry-run`, one invocation each.
//!
//! A failure is exit 101, death by a signal, a panic message, or a run longer than its
//! bound (generous: the bound catches hangs and quadratic blow-ups, it is not a timing).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Test, contains, project};

/// Longer than any healthy run on a loaded machine; a hang or a quadratic walk over a
/// huge string exceeds it by far.
const BOUND: Duration = Duration::from_secs(60);

/// Runs the binary in `dir` with `args`, killing it at `bound`, and fails the test on a
/// panic, a signal or a timeout. Returns the exit code and stderr.
fn run_bounded(dir: &Path, args: &[&str], bound: Duration) -> (i32, String) {
    let t = Test::bare().current_dir(dir);
    let mut command = t.std_command();
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start runbook");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for runbook") {
            break status;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`runbook {}` in {} ran over {bound:?}",
                args.join(" "),
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = reader.join().expect("stderr reader");
    let code = status.code().unwrap_or_else(|| {
        panic!(
            "`runbook {}` in {} died by a signal: {status}\n{stderr}",
            args.join(" "),
            dir.display()
        )
    });
    assert!(
        code != 101 && !stderr.contains("panicked at"),
        "`runbook {}` in {} panicked\n{stderr}",
        args.join(" "),
        dir.display()
    );
    (code, stderr)
}

#[test]
fn a_huge_phase_lists() {
    let t = project(&format!(
        "[runbook]\ntitle = \"Long\"\nphase = \"{}\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n",
        "p".repeat(65_536)
    ));
    t.invoke(&["check"]).expect_exit(0);
    let (code, _) = run_bounded(t.path(), &["list"], BOUND);
    assert_eq!(code, 0);
}

#[test]
fn a_huge_step_id_dry_runs() {
    let id = "s".repeat(70_000);
    let t = project(&format!(
        "[runbook]\ntitle = \"Long\"\n\n[[step]]\nid = \"{id}\"\nrun = \"true\"\n"
    ));
    t.invoke(&["check"]).expect_exit(0);
    let (code, stderr) = run_bounded(t.path(), &["run", "rb", "--dry-run", "--yes"], BOUND);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn invalid_utf8_is_a_located_error_for_every_command() {
    let mut bytes = b"[runbook]\ntitle = \"Bad\"\n\n[[step]]\nid = \"a\"\nrun = \"echo ".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\"\n");
    let t = Test::new().file("runbooks/rb.toml", bytes);
    t.invoke(&["check"])
        .expect_exit(3)
        .expect_diagnostic("the file is not valid UTF-8", "runbooks/rb.toml:6:13");
    for args in [
        &["show", "rb"][..],
        &["graph", "rb"],
        &["run", "rb", "--dry-run"],
    ] {
        t.invoke(args)
            .expect_exit(3)
            .expect_stderr_contains("runbooks/rb.toml:6:13");
    }
}

#[test]
fn a_description_full_of_brackets_renders_within_the_bound() {
    let brackets = "[".repeat(400_000);
    let t = project(&format!(
        "[runbook]\ntitle = \"Brackets\"\ndescription = \"{brackets}\"\n\n[[step]]\nid = \"a\"\ndescription = \"{brackets}\"\nrun = \"true\"\n"
    ));
    for args in [
        &["show", "rb"][..],
        &["run", "rb", "--dry-run", "--yes"],
        &["docs", "--out", "book-out"],
    ] {
        let (code, stderr) = run_bounded(t.path(), args, BOUND);
        assert_eq!(code, 0, "{stderr}");
    }
}

/// xorshift64: the same mutants on every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to three mutations of `original`.
fn mutate(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(3) {
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let n = lines.len();
        match rng.below(8) {
            0 => {
                lines.remove(rng.below(n));
            }
            1 => lines.swap(rng.below(n), rng.below(n)),
            2 => {
                let line = lines[rng.below(n)].clone();
                lines.insert(rng.below(n), line);
            }
            3 => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
                continue;
            }
            4 => {
                bytes.truncate(rng.below(bytes.len()));
                continue;
            }
            5 => {
                let i = rng.below(bytes.len());
                bytes.splice(i..i, [0xff, 0xc3, 0x28]);
                continue;
            }
            _ => {
                // A huge string in place of a value: a long id, phase, title or command.
                let fill = ["[", "s", "{{", "é", "`", "-", "\\\\", "*"][rng.below(8)];
                let size = [300, 5_000, 70_000][rng.below(3)];
                let i = rng.below(n);
                if let Some(eq) = lines[i].windows(3).position(|w| w == b"= \"") {
                    let mut line = lines[i][..eq + 3].to_vec();
                    line.extend(fill.repeat(size / fill.len().max(1)).as_bytes());
                    line.push(b'"');
                    lines[i] = line;
                }
            }
        }
        bytes = lines.join(&b'\n');
    }
    bytes
}

/// The shipped runbooks (part of the repository, so always there).
fn shipped() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    (!files.is_empty()).then_some(files)
}

/// A project holding the shipped runbooks (so `call`s resolve) and `mutants`.
fn batch_project(root: &Path, shipped: &[(String, Vec<u8>)], mutants: &[(String, Vec<u8>)]) {
    let dir = root.join("runbooks");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in shipped.iter().chain(mutants) {
        std::fs::write(dir.join(format!("{name}.toml")), bytes).unwrap();
    }
}

/// The runbooks `check` found an error in, from its `error:` / `--> file:` pairs.
fn invalid_names(stderr: &str) -> std::collections::BTreeSet<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("error"))
        .filter_map(|pair| pair[1].trim_start().strip_prefix("--> runbooks/"))
        .filter_map(|loc| loc.split_once(".toml").map(|(name, _)| name.to_string()))
        .collect()
}

/// `--var name=value` for every `[vars.name]` of a runbook, so `run --dry-run` gets past
/// missing values.
fn var_args(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[vars.")?.strip_suffix(']'))
        .flat_map(|name| ["--var".to_string(), format!("{name}=v1")])
        .collect()
}

const MUTANTS: usize = 2_400;
const PER_BATCH: usize = 100;
/// How many runbooks of each batch also go through `show`, `graph` and `run --dry-run`,
/// one invocation each (valid ones first: they get furthest).
const SINGLES_PER_BATCH: usize = 6;

#[test]
fn mutated_runbooks_never_panic_or_hang() {
    let shipped = shipped().expect("the repository's runbooks/*.toml");
    let mut rng = Rng(0x005E_ED0F_F022_u64);
    let mutants: Vec<(String, Vec<u8>)> = (0..MUTANTS)
        .map(|i| {
            let (name, bytes) = &shipped[rng.below(shipped.len())];
            (format!("{name}-m{i}"), mutate(bytes, &mut rng))
        })
        .collect();
    let batches: Vec<&[(String, Vec<u8>)]> = mutants.chunks(PER_BATCH).collect();
    // Two workers: the machine the suite runs on has two cores.
    let (left, right) = batches.split_at(batches.len() / 2);
    std::thread::scope(|s| {
        for half in [left, right] {
            let shipped = &shipped;
            s.spawn(move || {
                for batch in half {
                    fuzz_batch(shipped, batch);
                }
            });
        }
    });
}

fn fuzz_batch(shipped: &[(String, Vec<u8>)], batch: &[(String, Vec<u8>)]) {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    batch_project(root, shipped, batch);
    let (_, stderr) = run_bounded(root, &["check"], BOUND);
    let invalid = invalid_names(&stderr);
    // `list` shows the valid runbooks and names the others; `docs` refuses any invalid
    // one, so it gets the valid mutants alone.
    run_bounded(root, &["list"], BOUND);
    let valid: Vec<(String, Vec<u8>)> = batch
        .iter()
        .filter(|(name, _)| !invalid.contains(name))
        .cloned()
        .collect();
    let clean = tempfile::tempdir().unwrap();
    batch_project(clean.path(), shipped, &valid);
    let out: PathBuf = clean.path().join("book-out");
    run_bounded(
        clean.path(),
        &["docs", "--out", &out.to_string_lossy()],
        BOUND,
    );

    let singles = valid
        .iter()
        .chain(batch.iter().filter(|(name, _)| invalid.contains(name)))
        .take(SINGLES_PER_BATCH);
    for (name, bytes) in singles {
        let one = tempfile::tempdir().unwrap();
        // The shipped runbooks only when a `call` may need them: loading costs per file.
        let callees = if contains(bytes, b"call") {
            shipped
        } else {
            &[]
        };
        batch_project(one.path(), callees, &[(name.clone(), bytes.clone())]);
        run_bounded(one.path(), &["show", name], BOUND);
        run_bounded(one.path(), &["graph", name], BOUND);
        let mut args: Vec<String> = ["run", name, "--dry-run", "--yes"]
            .map(String::from)
            .to_vec();
        args.extend(var_args(bytes));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_bounded(one.path(), &args, BOUND);
    }
}
