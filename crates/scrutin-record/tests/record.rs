//! The election record end to end: a small real election (a Scottish STV contest with a
//! gender minimum and a withdrawn candidate, a block vote with marks; online and postal
//! ballots; one ballot replaced) is counted, written, verified, tampered with in every way the
//! record must catch, archived, looked up by tracker, and re-read from its exports.

use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use scrutin_core::report::Report;
use scrutin_record::ballot::Ballot;
use scrutin_record::chain::{self, BallotChannel, Entry};
use scrutin_record::contest::{tally, CandidateSpec, ContestSpec};
use scrutin_record::{
    hex, keys, lookup, lookup_in, merkle, unhex, verify, write_archive, write_record, Check,
    ContestInput, Discrepancy, Manifest, RecordError, RecordInput, VerifyOptions,
};

const RO_SECRET: &str = "4ac1e5a1f0c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829304a5b";
const FORGER_SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn ro_key() -> SigningKey {
    keys::signing_key_from_hex(RO_SECRET).unwrap()
}
fn forger_key() -> SigningKey {
    keys::signing_key_from_hex(FORGER_SECRET).unwrap()
}
fn ro_public() -> String {
    keys::public_key_hex(&ro_key())
}

fn candidate(name: &str, gender: &str, withdrawn: bool) -> CandidateSpec {
    CandidateSpec {
        name: name.into(),
        attributes: [("gender".to_string(), gender.to_string())].into(),
        withdrawn,
    }
}

/// The constitution the two contests' rules come from (`verify` rebuilds them from it).
const CONSTITUTION: &str = r#"[body]
name = "Demo CLP"
seats = 5

[[section]]
id = "clp"
name = "CLP officers"
seats = 3
filled_by = "elected"
method = "scottish-stv"
min = ["gender=woman:1"]

[section.electorate]
kind = "members"
who = "members"

[[section]]
id = "nec"
name = "NEC delegates"
seats = 2
filled_by = "elected"
method = "block"

[section.electorate]
kind = "members"
who = "members"
"#;

fn clp_spec() -> ContestSpec {
    ContestSpec {
        id: "clp".into(),
        name: "CLP officers".into(),
        seats: 3,
        method: "scottish-stv".into(),
        marks: None,
        arithmetic: None,
        tie_break: None,
        tie_reading: None,
        constraint_strategy: None,
        min: vec!["gender=woman:1".into()],
        max: vec![],
        seed: 0,
        candidates: vec![
            candidate("Alex Adams", "man", false),
            candidate("Ben Brown", "man", false),
            candidate("Chris Clark", "man", false),
            candidate("Dana Dunn", "woman", false),
            candidate("Eve Evans", "woman", false),
            candidate("Frank \"Red\" Ford", "man", true),
        ],
    }
}

fn nec_spec() -> ContestSpec {
    ContestSpec {
        id: "nec".into(),
        name: "NEC delegates".into(),
        seats: 2,
        method: "block".into(),
        marks: None,
        arithmetic: None,
        tie_break: None,
        tie_reading: None,
        constraint_strategy: None,
        min: vec![],
        max: vec![],
        seed: 0,
        candidates: vec![
            candidate("Gail Green", "woman", false),
            candidate("Hal Hill", "man", false),
            candidate("Ivy Irving", "woman", false),
            candidate("Jon Jones, Jr", "man", false),
        ],
    }
}

/// The box, in chain order: the two contests interleaved, every seventh ballot postal, and a
/// postal clp ballot replaced by a later online one.
fn entries() -> Vec<Entry> {
    let clp: &[(&str, usize)] = &[
        ("1 2 3", 12),
        ("2 1 4", 10),
        ("3 2 1", 8),
        ("4 5", 6),
        ("5 4 1", 5),
        ("1 3", 7),
        ("2 3 5", 6),
        ("6 4 2", 3),
        ("3 1 2 4 5", 3),
    ];
    let nec: &[(&str, usize)] = &[
        ("1 2", 10),
        ("2 4", 8),
        ("3", 5),
        ("1 3", 7),
        ("2", 6),
        ("4", 4),
    ];
    let expand = |patterns: &[(&str, usize)]| -> Vec<Ballot> {
        patterns
            .iter()
            .flat_map(|(b, n)| std::iter::repeat_n(Ballot::parse(b).unwrap(), *n))
            .collect()
    };
    let (clp, nec) = (expand(clp), expand(nec));
    let mut out = Vec::new();
    let mut n = 0;
    let mut push = |contest: &str, ballot: Ballot, replaces: Option<String>| {
        n += 1;
        out.push(Entry {
            contest: contest.into(),
            tracker: format!("{:04X}-{:04X}", (n * 7919) % 65536, (n * 104729) % 65536),
            channel: if n % 7 == 0 {
                BallotChannel::Postal
            } else {
                BallotChannel::Online
            },
            replaces,
            ballot,
        });
    };
    for i in 0..clp.len().max(nec.len()) {
        if let Some(b) = clp.get(i) {
            push("clp", b.clone(), None);
        }
        if let Some(b) = nec.get(i) {
            push("nec", b.clone(), None);
        }
        if i == 20 {
            // A voter's first ballot, by post …
            push("clp", Ballot::parse("3 1").unwrap(), None);
        }
    }
    // … replaced online, near the close.
    let first = out
        .iter()
        .find(|e| e.ballot == Ballot::parse("3 1").unwrap())
        .unwrap()
        .tracker
        .clone();
    out.push(Entry {
        contest: "clp".into(),
        tracker: "9A7B-C3D1".into(),
        channel: BallotChannel::Online,
        replaces: Some(first),
        ballot: Ballot::parse("4 5 3").unwrap(),
    });
    out.push(Entry {
        contest: "nec".into(),
        tracker: "LAST-0001".into(),
        channel: BallotChannel::Postal,
        replaces: None,
        ballot: Ballot::parse("1 4").unwrap(),
    });
    out
}

/// The ballots that count (none is replaced but the one `replaces` names), per contest.
fn counted<'a>(entries: &'a [Entry], contest: &str) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|e| e.contest == contest)
        .filter(|e| {
            !entries
                .iter()
                .any(|r| r.replaces.as_deref() == Some(e.tracker.as_str()))
        })
        .collect()
}

fn election() -> RecordInput {
    let entries = entries();
    let leaves: Vec<_> = entries.iter().map(Entry::leaf).collect();
    let seed = chain::seed_of(&chain::head_of("demo-2025", &leaves));
    let mut contests = Vec::new();
    for (mut spec, electors) in [(clp_spec(), 100), (nec_spec(), 80)] {
        spec.seed = seed;
        let ballots = counted(&entries, &spec.id);
        let report = tally(&spec, &spec.name, ballots.iter().map(|e| &e.ballot)).unwrap();
        let postal = ballots
            .iter()
            .filter(|e| e.channel == BallotChannel::Postal)
            .count() as u64;
        contests.push(ContestInput {
            online: ballots.len() as u64 - postal,
            postal,
            rejected_postal: 0,
            electors,
            spec,
            report,
        });
    }
    RecordInput {
        election_id: "demo-2025".into(),
        title: "Officers and delegates 2025".into(),
        body: "Demo Constituency Labour Party".into(),
        constitution: CONSTITUTION.into(),
        roll_fingerprint: "sha256:5e1b0c…".into(),
        roll_members: 120,
        opened: Some("2025-03-01T09:00:00Z".into()),
        closed: Some("2025-03-14T17:00:00Z".into()),
        contests,
        entries,
    }
}

struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
    input: RecordInput,
    manifest: Manifest,
}

fn written() -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record");
    let input = election();
    let manifest = write_record(&path, &input, &ro_key()).unwrap();
    Written {
        _dir: dir,
        path,
        input,
        manifest,
    }
}

fn with_key() -> VerifyOptions {
    VerifyOptions {
        public_key: Some(ro_public()),
        head: None,
    }
}

fn fails(path: &Path, options: &VerifyOptions) -> Discrepancy {
    match verify(path, options) {
        Ok(v) => panic!("verified a tampered record:\n{v}"),
        Err(d) => d,
    }
}

fn assert_fails(path: &Path, options: &VerifyOptions, check: Check, needle: &str) -> Discrepancy {
    let d = fails(path, options);
    assert_eq!(d.check, check, "{d}");
    assert!(
        d.to_string().contains(needle),
        "expected {needle:?} in:\n{d}"
    );
    d
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn read_manifest(dir: &Path) -> Manifest {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// A copy of the record with `edit` applied to its files and manifest.
fn tampered(w: &Written, name: &str, edit: impl FnOnce(&Path, &mut Manifest)) -> PathBuf {
    let path = w.path.with_file_name(name);
    copy_dir(&w.path, &path);
    let mut m = read_manifest(&path);
    edit(&path, &mut m);
    path
}

/// Rewrites the manifest as a forger would: every hash brought up to date with the files,
/// then `extra` edits, then signed with `key` (naming `key`'s public key if `own_key`).
fn resign(path: &Path, key: &SigningKey, own_key: bool, extra: impl FnOnce(&mut Manifest)) {
    let mut m = read_manifest(path);
    for f in &mut m.files {
        f.sha256 = sha(&fs::read(path.join(&f.path)).unwrap());
    }
    m.constitution.sha256 = sha(&fs::read(path.join("constitution.toml")).unwrap());
    for c in &mut m.contests {
        c.result_sha256 = sha(&fs::read(path.join(&c.result_file)).unwrap());
    }
    if own_key {
        m.public_key = keys::public_key_hex(key);
    }
    extra(&mut m);
    let bytes = m.to_bytes();
    fs::write(path.join("manifest.json"), &bytes).unwrap();
    fs::write(path.join("manifest.sig"), scrutin_record::sign(&bytes, key)).unwrap();
}

fn edit_lines(path: &Path, file: &str, edit: impl FnOnce(&mut Vec<String>)) {
    let text = fs::read_to_string(path.join(file)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    edit(&mut lines);
    let mut out = lines.join("\n");
    if !lines.is_empty() {
        out.push('\n');
    }
    fs::write(path.join(file), out).unwrap();
}

/// The line index in ballots.jsonl of the first counted clp ballot.
fn a_clp_line(path: &Path) -> usize {
    let text = fs::read_to_string(path.join("ballots.jsonl")).unwrap();
    text.lines()
        .position(|l| l.contains(r#""contest":"clp""#) && l.contains(r#""replaces":null"#))
        .unwrap()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn writes_and_verifies_a_real_election() {
    let w = written();
    let verified = verify(&w.path, &with_key()).unwrap();
    let text = verified.to_string();
    println!("{text}");
    assert!(text.contains("signature: valid, by the returning officer's published key"));
    assert!(text.contains("files: 12 listed files, every SHA-256 matches"));
    assert!(text.contains("chain: 103 entries"));
    assert!(text.contains("1 replaced by a later ballot of the same contest, 102 counted"));
    assert!(text.contains("clp: 61 ballots = turnout"));
    assert!(text.contains("nec: 41 ballots = turnout"));
    assert!(text.contains("exports: 6 files regenerated"));
    assert_eq!(verified.manifest, w.manifest);

    // The manifest says what the issue asks of it.
    let m = &w.manifest;
    assert_eq!(m.format, "scrutin-record/1");
    assert_eq!(m.public_key, ro_public());
    assert_eq!(m.roll.members, 120);
    assert_eq!(m.ballots.count, 103);
    assert_eq!(m.ballot_box.entries, 103);
    let leaves: Vec<_> = w.input.entries.iter().map(Entry::leaf).collect();
    assert_eq!(
        m.ballot_box.head,
        hex(&chain::head_of("demo-2025", &leaves))
    );
    for (c, input) in m.contests.iter().zip(&w.input.contests) {
        assert_eq!(c.elected, input.report.elected);
        assert_eq!(c.ballots, input.online + input.postal);
        assert_eq!(
            (c.turnout.online, c.turnout.postal),
            (input.online, input.postal)
        );
        assert_eq!(c.spec, input.spec);
        let declared: Report =
            serde_json::from_slice(&fs::read(w.path.join(&c.result_file)).unwrap()).unwrap();
        assert_eq!(declared, input.report);
    }
    // The constraint acted: a woman holds one of the three seats.
    let clp = &w.input.contests[0].report;
    assert_eq!(clp.elected.len(), 3);
    assert!(clp
        .elected
        .iter()
        .any(|e| e == "Dana Dunn" || e == "Eve Evans"));
    assert!(clp.stages.iter().any(|s| !s.constraint_actions.is_empty()));
    assert_eq!(w.input.contests[0].postal, 8);

    // Every chain entry is published once, in another order than the box's.
    let published: Vec<Entry> = fs::read_to_string(w.path.join("ballots.jsonl"))
        .unwrap()
        .lines()
        .map(|l| Entry::from_json_line(l).unwrap())
        .collect();
    assert_ne!(published, w.input.entries);
    let mut a: Vec<String> = published.iter().map(Entry::to_json_line).collect();
    let mut b: Vec<String> = w.input.entries.iter().map(Entry::to_json_line).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let chain_txt = fs::read_to_string(w.path.join("chain.txt")).unwrap();
    let chain_lines: Vec<&str> = chain_txt.lines().collect();
    let want: Vec<String> = leaves.iter().map(|l| hex(l)).collect();
    assert_eq!(chain_lines, want);
    let record_leaves: Vec<_> = published.iter().map(Entry::leaf).collect();
    assert_eq!(m.ballots.merkle_root, hex(&merkle::root(&record_leaves)));

    // Nothing personal: the ballots hold contest, tracker, channel, replaces, ballot only.
    let first = fs::read_to_string(w.path.join("ballots.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["contest", "tracker", "channel", "replaces", "ballot"]
    );

    // Without the published key, the signature only vouches for wholeness, and says so.
    let v = verify(&w.path, &VerifyOptions::default()).unwrap();
    assert!(v.checks[0].contains("no published key was given"));
    // The head at the close of polling is the record's.
    let v = verify(
        &w.path,
        &VerifyOptions {
            public_key: Some(ro_public()),
            head: Some(m.ballot_box.head.clone()),
        },
    )
    .unwrap();
    assert!(v.to_string().contains("as published when polling closed"));
}

#[test]
fn two_records_of_one_box_are_shuffled_differently() {
    let (a, b) = (written(), written());
    let ja = fs::read(a.path.join("ballots.jsonl")).unwrap();
    let jb = fs::read(b.path.join("ballots.jsonl")).unwrap();
    assert_ne!(ja, jb, "the published order is drawn afresh");
    assert_eq!(a.manifest.ballot_box.head, b.manifest.ballot_box.head);
    assert_ne!(
        a.manifest.ballots.merkle_root,
        b.manifest.ballots.merkle_root
    );
}

#[test]
fn refuses_what_a_recount_or_the_box_contradicts() {
    let dir = tempfile::tempdir().unwrap();
    let key = ro_key();
    let refuse = |input: &RecordInput| -> String {
        let e = write_record(&dir.path().join("r"), input, &key).unwrap_err();
        assert!(!dir.path().join("r").exists(), "nothing written on refusal");
        e.to_string()
    };

    // A declared result that is not the recount.
    let mut input = election();
    input.contests[0].report.elected.swap(0, 1);
    let e = write_record(&dir.path().join("r"), &input, &key).unwrap_err();
    assert!(matches!(e, RecordError::ResultMismatch { .. }), "{e}");
    assert!(
        e.to_string().contains("contest clp") && e.to_string().contains("`elected[0]`"),
        "{e}"
    );

    let mut input = election();
    let votes = &mut input.contests[1].report.stages[0].votes;
    *votes.get_mut("Hal Hill").unwrap() = "999".into();
    let e = refuse(&input);
    assert!(
        e.contains(r#"`stages[0].votes["Hal Hill"]`: declared "999""#),
        "{e}"
    );

    // Turnout that is not the counted ballots.
    let mut input = election();
    input.contests[0].online += 1;
    let e = refuse(&input);
    assert!(e.contains("contest clp: turnout is declared as"), "{e}");

    // A lot seed not drawn from the box.
    let mut input = election();
    input.contests[1].spec.seed ^= 1;
    let e = refuse(&input);
    assert!(e.contains("contest nec: the lot's seed"), "{e}");

    // A tracker used twice; a replacement of nothing; a ballot off the paper.
    let mut input = election();
    input.entries[5].tracker = input.entries[2].tracker.clone();
    let e = refuse(&input);
    assert!(
        e.contains("entry 6") && e.contains("a tracker names one ballot"),
        "{e}"
    );

    let mut input = election();
    input.entries[3].replaces = Some("NO-SUCH".into());
    let e = refuse(&input);
    assert!(
        e.contains("entry 4") && e.contains("not an earlier ballot"),
        "{e}"
    );

    let mut input = election();
    let nec = input
        .entries
        .iter()
        .position(|e| e.contest == "nec")
        .unwrap();
    input.entries[nec].ballot = Ballot(vec![1, 2, 3]);
    let e = refuse(&input);
    assert!(e.contains("too many marks"), "{e}");

    let mut input = election();
    input.entries[0].contest = "xyz".into();
    let e = refuse(&input);
    assert!(
        e.contains("contest xyz, which is not among the contests"),
        "{e}"
    );

    // The directory must be new or empty.
    let busy = dir.path().join("busy");
    fs::create_dir_all(&busy).unwrap();
    fs::write(busy.join("x"), "x").unwrap();
    let e = write_record(&busy, &election(), &key)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not empty"), "{e}");
}

#[test]
fn a_changed_ballot_is_detected() {
    let w = written();
    let change = |path: &Path| {
        let i = a_clp_line(path);
        edit_lines(path, "ballots.jsonl", |l| {
            let e = Entry::from_json_line(&l[i]).unwrap();
            let mut changed = e.clone();
            changed.ballot = if e.ballot.0 == [5, 4] {
                Ballot(vec![4, 5])
            } else {
                Ballot(vec![5, 4])
            };
            l[i] = changed.to_json_line();
        });
        i
    };
    // Edited in place: its file's hash no longer matches.
    let p = tampered(&w, "changed-plain", |p, _| {
        change(p);
    });
    assert_fails(&p, &with_key(), Check::Files, "ballots.jsonl: SHA-256");
    // Hashes brought up to date but signed with another key: the signature fails.
    let p = tampered(&w, "changed-forged", |p, _| {
        change(p);
        resign(p, &forger_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Signature,
        "not a valid signature of manifest.json",
    );
    // Even signed with the returning officer's own key, the ballot is not in the box.
    let mut line = 0;
    let p = tampered(&w, "changed-by-ro", |p, _| {
        line = change(p);
        resign(p, &ro_key(), false, |_| {});
    });
    let d = assert_fails(&p, &with_key(), Check::Ballots, "not in the ballot box");
    assert!(
        d.message
            .starts_with(&format!("ballots.jsonl line {} (tracker ", line + 1)),
        "{d}"
    );
    assert_eq!(
        d.passed.len(),
        4,
        "signature, files, rules and chain passed: {:?}",
        d.passed
    );
}

#[test]
fn an_added_ballot_is_detected() {
    let w = written();
    let add = |path: &Path| {
        edit_lines(path, "ballots.jsonl", |l| {
            let e = Entry {
                contest: "clp".into(),
                tracker: "STUF-FED1".into(),
                channel: BallotChannel::Postal,
                replaces: None,
                ballot: Ballot(vec![4, 5]),
            };
            l.insert(10, e.to_json_line());
        });
    };
    let p = tampered(&w, "added-plain", |p, _| add(p));
    assert_fails(&p, &with_key(), Check::Files, "ballots.jsonl: SHA-256");
    let p = tampered(&w, "added-by-ro", |p, _| {
        add(p);
        resign(p, &ro_key(), false, |m| m.ballots.count += 1);
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Ballots,
        "ballots.jsonl line 11 (tracker STUF-FED1): not in the ballot box",
    );
    // Added to the chain as well: the head no longer matches.
    let p = tampered(&w, "added-to-chain", |p, _| {
        add(p);
        let leaf = Entry::from_json_line(
            fs::read_to_string(p.join("ballots.jsonl"))
                .unwrap()
                .lines()
                .nth(10)
                .unwrap(),
        )
        .unwrap()
        .leaf();
        edit_lines(p, "chain.txt", |l| l.push(hex(&leaf)));
        resign(p, &ro_key(), false, |m| {
            m.ballots.count += 1;
            m.ballot_box.entries += 1;
        });
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Chain,
        "the head of chain.txt from the genesis",
    );
}

#[test]
fn a_removed_ballot_is_detected() {
    let w = written();
    let remove = |path: &Path| {
        let i = a_clp_line(path);
        let mut removed = String::new();
        edit_lines(path, "ballots.jsonl", |l| removed = l.remove(i));
        Entry::from_json_line(&removed).unwrap()
    };
    let p = tampered(&w, "removed-plain", |p, _| {
        remove(p);
    });
    assert_fails(&p, &with_key(), Check::Files, "ballots.jsonl: SHA-256");
    let mut gone = None;
    let p = tampered(&w, "removed-by-ro", |p, _| {
        gone = Some(remove(p));
        resign(p, &ro_key(), false, |m| m.ballots.count -= 1);
    });
    let gone = gone.unwrap();
    let chain_line = w
        .input
        .entries
        .iter()
        .position(|e| e.tracker == gone.tracker)
        .unwrap()
        + 1;
    assert_fails(
        &p,
        &with_key(),
        Check::Ballots,
        &format!(
            "chain.txt line {chain_line}: the box accepted a ballot with leaf {} that is not in ballots.jsonl",
            hex(&gone.leaf())
        ),
    );
}

#[test]
fn reordered_ballots_are_detected_even_resigned() {
    let w = written();
    // Two neighbouring ballots of different contests swap places: each contest's ballots stay
    // in the same order (and so its exports), so only the order and the root can give it away.
    let reorder = |path: &Path| {
        edit_lines(path, "ballots.jsonl", |l| {
            let contest = |line: &str| Entry::from_json_line(line).unwrap().contest;
            let k = (0..l.len() - 1)
                .find(|&k| contest(&l[k]) != contest(&l[k + 1]))
                .unwrap();
            l.swap(k, k + 1);
        })
    };
    let p = tampered(&w, "reordered-plain", |p, _| reorder(p));
    assert_fails(&p, &with_key(), Check::Files, "ballots.jsonl: SHA-256");

    // Reordered, hashes and Merkle root recomputed, signed with the forger's key.
    let new_root = |p: &Path| {
        let leaves: Vec<_> = fs::read_to_string(p.join("ballots.jsonl"))
            .unwrap()
            .lines()
            .map(|l| Entry::from_json_line(l).unwrap().leaf())
            .collect();
        hex(&merkle::root(&leaves))
    };
    let p = tampered(&w, "reordered-forged", |p, _| {
        reorder(p);
        let root = new_root(p);
        resign(p, &forger_key(), false, |m| m.ballots.merkle_root = root);
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Signature,
        "not a valid signature of manifest.json",
    );
    // The forger names their own key: only the published key tells it apart.
    let p = tampered(&w, "reordered-own-key", |p, _| {
        reorder(p);
        let root = new_root(p);
        resign(p, &forger_key(), true, |m| m.ballots.merkle_root = root);
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Signature,
        "not the returning officer's published key",
    );
    if let Err(d) = verify(&p, &VerifyOptions::default()) {
        panic!("without the published key a self-consistent forgery cannot be told apart: {d}");
    }
    // Reordered and re-signed with the right key but the old root: the Merkle root fails.
    let p = tampered(&w, "reordered-by-ro", |p, _| {
        reorder(p);
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Merkle,
        "the Merkle root of ballots.jsonl in its order is",
    );
}

#[test]
fn an_edited_result_is_detected() {
    let w = written();
    let edit = |p: &Path| {
        let file = p.join("results/clp.json");
        let mut r: Report = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
        let last = r.elected.len() - 1;
        r.elected[last] = "Chris Clark".into();
        if r.elected.iter().filter(|e| *e == "Chris Clark").count() > 1 {
            r.elected[last] = "Ben Brown".into();
        }
        let mut bytes = serde_json::to_vec_pretty(&r).unwrap();
        bytes.push(b'\n');
        fs::write(file, bytes).unwrap();
    };
    let p = tampered(&w, "result-plain", |p, _| edit(p));
    assert_fails(&p, &with_key(), Check::Files, "results/clp.json: SHA-256");
    let p = tampered(&w, "result-by-ro", |p, _| {
        edit(p);
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Recount,
        "results/clp.json: `elected[2]`: declared",
    );
    // The manifest's own list of the elected is recounted too.
    let p = tampered(&w, "elected-by-ro", |p, _| {
        resign(p, &ro_key(), false, |m| m.contests[1].elected.reverse());
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Recount,
        "contest nec: manifest.json declares",
    );
}

#[test]
fn an_edited_manifest_is_detected() {
    let w = written();
    let p = tampered(&w, "manifest-plain", |p, _| {
        let text = fs::read_to_string(p.join("manifest.json")).unwrap();
        let text = text.replacen("\"electors\": 100", "\"electors\": 1000", 1);
        fs::write(p.join("manifest.json"), text).unwrap();
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Signature,
        "manifest.json (or manifest.sig) was changed",
    );
    // Signed by the returning officer, a turnout the ballots do not bear out.
    let p = tampered(&w, "turnout-by-ro", |p, _| {
        resign(p, &ro_key(), false, |m| m.contests[0].turnout.postal += 1);
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Turnout,
        "contest clp: manifest.json declares a turnout of 9 postal, ballots.jsonl has 8 counted postal ballots",
    );
    // A lot seed that is not the box's.
    let p = tampered(&w, "seed-by-ro", |p, _| {
        resign(p, &ro_key(), false, |m| m.contests[0].spec.seed += 1);
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Recount,
        "contest clp: the lot's seed",
    );
    // A rule changed after the count: the published constitution says otherwise.
    let p = tampered(&w, "rules-by-ro", |p, _| {
        resign(p, &ro_key(), false, |m| m.contests[0].spec.min.clear());
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Rules,
        "contest clp: manifest.json's rules are not constitution.toml's section clp: min: [] ≠ [\"gender=woman:1\"]",
    );
    // A garbled manifest names where.
    let p = tampered(&w, "manifest-garbled", |p, _| {
        let text = fs::read_to_string(p.join("manifest.json")).unwrap();
        fs::write(p.join("manifest.json"), &text[..text.len() / 2]).unwrap();
    });
    assert_fails(&p, &with_key(), Check::Read, "manifest.json line ");
}

#[test]
fn a_forgery_by_the_returning_officer_is_caught_by_the_published_head() {
    let w = written();
    // The returning officer rewrites the box after the close: one clp ballot changed, every
    // hash, the chain, the counts and the signature made anew with the real key.
    let mut input = w.input.clone();
    let k = input.entries.len() - 10;
    let i = (0..k)
        .rev()
        .find(|&i| input.entries[i].contest == "clp")
        .unwrap();
    input.entries[i].ballot = Ballot(vec![3, 2, 1]);
    let leaves: Vec<_> = input.entries.iter().map(Entry::leaf).collect();
    let seed = chain::seed_of(&chain::head_of("demo-2025", &leaves));
    for c in &mut input.contests {
        c.spec.seed = seed;
        let ballots = counted(&input.entries, &c.spec.id);
        c.report = tally(&c.spec, &c.spec.name, ballots.iter().map(|e| &e.ballot)).unwrap();
    }
    let forged = w.path.with_file_name("forged-by-ro");
    write_record(&forged, &input, &ro_key()).unwrap();
    // It is self-consistent: without the head published at the close, nothing shows.
    assert!(verify(&forged, &with_key()).is_ok());
    // The head shown on the status page when polling closed gives it away.
    let options = VerifyOptions {
        public_key: Some(ro_public()),
        head: Some(w.manifest.ballot_box.head.clone()),
    };
    assert_fails(
        &forged,
        &options,
        Check::Chain,
        &format!(
            "the published head {} is not a head of this box",
            w.manifest.ballot_box.head
        ),
    );
    // A head noted during polling, before the changed ballot, is still in the forged chain, but
    // the chain goes on past it: refused, saying how many entries came after it.
    let before: Vec<_> = w.input.entries[..i].iter().map(Entry::leaf).collect();
    let early = hex(&chain::head_of("demo-2025", &before));
    let d = fails(
        &forged,
        &VerifyOptions {
            public_key: Some(ro_public()),
            head: Some(early),
        },
    );
    assert_eq!(d.check, Check::Chain);
    let n = input.entries.len();
    assert!(
        d.message.contains(&format!(
            "is the head after entry {i} of {n}: the box accepted {} more after it",
            n - i
        )),
        "{d}"
    );
    // A malformed head is refused as such.
    let d = fails(
        &w.path,
        &VerifyOptions {
            public_key: None,
            head: Some("5f3a".into()),
        },
    );
    assert!(d.to_string().contains("is not 64 hex digits"), "{d}");
}

#[test]
fn broken_files_are_named_with_their_line() {
    let w = written();
    // Truncated ballots.jsonl (the last line cut), re-signed so only its content can fail.
    let p = tampered(&w, "truncated", |p, _| {
        let text = fs::read_to_string(p.join("ballots.jsonl")).unwrap();
        fs::write(p.join("ballots.jsonl"), &text[..text.len() - 20]).unwrap();
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Ballots,
        "ballots.jsonl line 103: the last line has no line feed",
    );
    let p = tampered(&w, "garbled", |p, _| {
        edit_lines(p, "ballots.jsonl", |l| {
            l[16] = l[16].replace("\"ballot\"", "\"balot\"")
        });
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Ballots,
        "ballots.jsonl line 17: unknown field `balot`",
    );
    let p = tampered(&w, "bad-chain", |p, _| {
        edit_lines(p, "chain.txt", |l| l[4].truncate(10));
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Chain,
        "chain.txt line 5: expected a leaf hash",
    );
    // A missing file, and an unlisted one.
    let p = tampered(&w, "missing", |p, _| {
        fs::remove_file(p.join("exports/nec.csv")).unwrap();
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Files,
        "exports/nec.csv is listed in manifest.json but missing",
    );
    let p = tampered(&w, "unlisted", |p, _| {
        fs::write(p.join("results/extra.json"), "{}").unwrap();
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Files,
        "results/extra.json is in the record but not listed",
    );
    // An export that is not what the ballots give.
    let p = tampered(&w, "export", |p, _| {
        edit_lines(p, "exports/clp.blt", |l| l[1] = "99 1 2 0".into());
        resign(p, &ro_key(), false, |_| {});
    });
    assert_fails(
        &p,
        &with_key(),
        Check::Exports,
        "exports/clp.blt line 2: the record has \"99 1 2 0\"",
    );
    // Not a record at all.
    let d = fails(&w.path.join("results"), &with_key());
    assert_eq!(d.check, Check::Read);
    let d = fails(&w.path.join("no-such"), &with_key());
    assert_eq!(d.check, Check::Read);
    let d = fails(&w.path.join("chain.txt"), &with_key());
    assert!(d.to_string().contains("tar"), "{d}");
}

#[test]
fn the_archive_round_trips() {
    let w = written();
    let tar = w.path.with_file_name("demo-2025.tar");
    write_archive(&w.path, &tar).unwrap();
    let v = verify(&tar, &with_key()).unwrap();
    assert_eq!(v.manifest, w.manifest);
    // Deterministic: the same record makes the same bytes.
    let again = w.path.with_file_name("again.tar");
    write_archive(&w.path, &again).unwrap();
    let (a, b) = (fs::read(&tar).unwrap(), fs::read(&again).unwrap());
    assert_eq!(a.len(), b.len());
    // Only the wrapper directory's name (the archive's name) differs.
    let one = w.path.with_file_name("x").join("demo-2025.tar");
    fs::create_dir_all(one.parent().unwrap()).unwrap();
    write_archive(&w.path, &one).unwrap();
    assert_eq!(fs::read(&one).unwrap(), a);
    // Under one top-level directory, with fixed headers.
    let mut archive = tar::Archive::new(fs::File::open(&tar).unwrap());
    let mut names = Vec::new();
    for e in archive.entries().unwrap() {
        let e = e.unwrap();
        assert_eq!(e.header().mtime().unwrap(), 0);
        assert_eq!(e.header().mode().unwrap(), 0o644);
        names.push(e.path().unwrap().display().to_string());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(
        names.iter().all(|n| n.starts_with("demo-2025/")),
        "{names:?}"
    );
    assert!(names.contains(&"demo-2025/manifest.json".to_string()));
    // A tampered archive fails like a tampered directory.
    let mut bytes = a.clone();
    let at = bytes
        .windows(12)
        .position(|w| w == b"\"contest\":\"c")
        .unwrap();
    bytes[at + 200] ^= 0x01;
    let bad = w.path.with_file_name("bad.tar");
    fs::write(&bad, bytes).unwrap();
    let d = fails(&bad, &with_key());
    assert!(matches!(d.check, Check::Files | Check::Read), "{d}");
}

#[test]
fn a_tracker_gives_the_ballot_and_its_proof() {
    let w = written();
    let tar = w.path.with_file_name("demo.tar");
    write_archive(&w.path, &tar).unwrap();
    let root = unhex(&w.manifest.ballots.merkle_root).unwrap();
    let root: [u8; 32] = root.try_into().unwrap();
    for entry in &w.input.entries {
        for path in [&w.path, &tar] {
            let l = lookup(path, &entry.tracker).unwrap().expect("found");
            assert_eq!(&l.entry, entry);
            assert!(l.valid && l.verify());
            assert_eq!(l.root, w.manifest.ballots.merkle_root);
            assert_eq!(l.size, 103);
            let proof: Vec<[u8; 32]> = l
                .proof
                .iter()
                .map(|p| unhex(p).unwrap().try_into().unwrap())
                .collect();
            assert!(merkle::verify(
                &entry.leaf(),
                l.index,
                l.size,
                &proof,
                &root
            ));
            // Its line in ballots.jsonl is the one indexed.
            let line = fs::read_to_string(w.path.join("ballots.jsonl"))
                .unwrap()
                .lines()
                .nth(l.index as usize)
                .unwrap()
                .to_string();
            assert_eq!(line, entry.to_json_line());
            // Another ballot's leaf does not pass with this proof.
            let other = w.input.entries.iter().find(|e| e != &entry).unwrap();
            assert!(!merkle::verify(
                &other.leaf(),
                l.index,
                l.size,
                &proof,
                &root
            ));
        }
    }
    // The replaced ballot is found, and says it is not counted and by which it was replaced.
    let replacing = w
        .input
        .entries
        .iter()
        .find(|e| e.replaces.is_some())
        .unwrap();
    let old = replacing.replaces.as_deref().unwrap();
    let l = lookup(&w.path, old).unwrap().unwrap();
    assert!(!l.counted);
    assert_eq!(l.replaced_by.as_deref(), Some(replacing.tracker.as_str()));
    assert!(
        lookup(&w.path, &replacing.tracker)
            .unwrap()
            .unwrap()
            .counted
    );
    // Unknown trackers say so.
    assert_eq!(lookup(&w.path, "NOPE-NOPE").unwrap(), None);
    assert_eq!(lookup(&tar, "").unwrap(), None);
    // In memory, as the web server holds the ballots: the same answer.
    let published: Vec<Entry> = fs::read_to_string(w.path.join("ballots.jsonl"))
        .unwrap()
        .lines()
        .map(|l| Entry::from_json_line(l).unwrap())
        .collect();
    let a = lookup_in(&published, old).unwrap();
    assert_eq!(a, l);
    assert!(lookup_in(&published, "NOPE-NOPE").is_none());
    // The JSON a server would send round-trips.
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(
        serde_json::from_str::<scrutin_record::Lookup>(&json).unwrap(),
        a
    );
    // A record whose ballots were changed: the lookup's proof no longer meets the signed root.
    let p = tampered(&w, "lookup-tampered", |p, _| {
        edit_lines(p, "ballots.jsonl", |l| l.swap(0, 1));
    });
    let first = published[0].tracker.clone();
    let l = lookup(&p, &first).unwrap().unwrap();
    assert!(!l.valid);
}

fn blt_of(w: &Written, id: &str) -> scrutin_formats::blt::BltFile {
    let text = fs::read_to_string(w.path.join(format!("exports/{id}.blt"))).unwrap();
    scrutin_formats::blt::read_str(&text, &format!("{id}.blt")).unwrap()
}

#[test]
fn the_blt_exports_recount_to_the_declared_results() {
    let w = written();
    for c in &w.input.contests {
        let blt = blt_of(&w, &c.spec.id);
        assert_eq!(blt.seats, c.spec.seats);
        let names: Vec<&str> = c.spec.candidates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(blt.candidates, names);
        assert_eq!(blt.title, c.report.title);
        let (method, options) = c.spec.options().unwrap();
        let report = scrutin_core::methods::count(&blt.election(), method, &options).unwrap();
        assert_eq!(report.elected, c.report.elected, "{}", c.spec.id);
    }
}

#[test]
fn the_scottish_stv_blt_export_reproduces_the_whole_report() {
    let w = written();
    let c = &w.input.contests[0];
    assert_eq!(c.spec.method, "scottish-stv");
    let blt = blt_of(&w, "clp");
    assert_eq!(blt.withdrawn.len(), 1, "Frank's withdrawal is in the BLT");
    let (method, options) = c.spec.options().unwrap();
    let report = scrutin_core::methods::count(&blt.election(), method, &options).unwrap();
    assert_eq!(report, c.report);
    // The aggregated ballots add up to the counted ones.
    let text = fs::read_to_string(w.path.join("exports/clp.blt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "6 3");
    assert_eq!(lines[1], "-6");
    // The contest's lot, as the tie-break order a BLT reader uses without a seed of its own.
    let lot = scrutin_core::tie::LotOrder::from_seed(6, c.spec.seed);
    let tie: Vec<String> = lot.order.iter().map(|c| (c.0 + 1).to_string()).collect();
    assert_eq!(lines[2], format!("[tie {}]", tie.join(" ")));
    assert_eq!(
        blt.tie_order.as_deref(),
        Some(lot.order.as_slice()),
        "read back as the tie order"
    );
    let total: u64 = lines[3..]
        .iter()
        .take_while(|l| **l != "0")
        .map(|l| l.split(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 61);
    assert!(text.contains("\"Frank \"\"Red\"\" Ford\"\n"));
}

#[test]
fn the_csv_and_rctab_exports_say_what_was_counted() {
    let w = written();
    let csv = fs::read_to_string(w.path.join("exports/nec.csv")).unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows[0], "tracker,channel,rank1,rank2");
    assert_eq!(rows.len(), 1 + 41);
    assert!(
        csv.contains(",\"Jon Jones, Jr\""),
        "names are quoted where needed"
    );
    let last = rows.iter().find(|r| r.starts_with("LAST-0001,")).unwrap();
    assert_eq!(*last, "LAST-0001,postal,Gail Green,\"Jon Jones, Jr\"");
    let csv = fs::read_to_string(w.path.join("exports/clp.csv")).unwrap();
    assert!(csv.starts_with("tracker,channel,rank1,rank2,rank3,rank4,rank5,rank6\r\n"));
    let replaced = w
        .input
        .entries
        .iter()
        .find_map(|e| e.replaces.clone())
        .unwrap();
    assert!(
        !csv.contains(&replaced),
        "a replaced ballot is not among the counted"
    );

    for c in &w.input.contests {
        let text = fs::read_to_string(
            w.path
                .join(format!("exports/{}.rctab-summary.json", c.spec.id)),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let config = &v["config"];
        assert_eq!(config["office"], c.spec.name.as_str());
        assert_eq!(config["date"], "2025-03-14T17:00:00Z");
        assert_eq!(config["jurisdiction"], "Demo Constituency Labour Party");
        assert_eq!(
            config["threshold"],
            c.report.quota.clone().unwrap_or_default().as_str()
        );
        let results = v["results"].as_array().unwrap();
        assert_eq!(results.len(), c.report.stages.len());
        let mut elected = Vec::new();
        let mut eliminated = Vec::new();
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r["round"], i + 1);
            let stage = &c.report.stages[i];
            for (name, votes) in r["tally"].as_object().unwrap() {
                assert_eq!(votes, stage.votes[name].as_str());
            }
            for t in r["tallyResults"].as_array().unwrap() {
                if let Some(e) = t["elected"].as_str() {
                    elected.push(e.to_string());
                }
                if let Some(e) = t["eliminated"].as_str() {
                    eliminated.push(e.to_string());
                }
            }
        }
        let mut want = c.report.elected.clone();
        want.sort();
        elected.sort();
        assert_eq!(elected, want, "{}", c.spec.id);
        let mut excluded: Vec<String> = c
            .report
            .stages
            .iter()
            .flat_map(|s| s.excluded.clone())
            .collect();
        excluded.sort();
        eliminated.sort();
        assert_eq!(eliminated, excluded, "{}", c.spec.id);
        assert_eq!(v["summary"]["numWinners"], c.spec.seats);
    }
}

/// The Python snippet of docs/record.md, run against a record written here: an independent
/// check of the chain head and the Merkle root (skipped where python3 is not installed).
#[test]
fn the_python_snippet_in_the_docs_checks_a_record() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/record.md");
    let text = fs::read_to_string(&docs).unwrap();
    let start = text.find("```python\n").expect("a python block") + "```python\n".len();
    let end = start + text[start..].find("```").unwrap();
    let snippet = &text[start..end];
    let w = written();
    let script = w.path.with_file_name("check.py");
    fs::write(&script, snippet).unwrap();
    let run = |record: &Path| {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(record)
            .output()
    };
    let out = match run(&w.path) {
        Ok(out) => out,
        Err(e) => {
            println!("SKIPPED: python3 not runnable here ({e})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&w.manifest.ballot_box.head), "{stdout}");
    assert!(stdout.contains(&w.manifest.ballots.merkle_root), "{stdout}");
    // And it fails on a reordered record.
    let p = tampered(&w, "py-reordered", |p, _| {
        edit_lines(p, "ballots.jsonl", |l| l.swap(0, 1));
    });
    let out = run(&p).unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("MISMATCH"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The worked example of docs/record.md, whose numbers were computed with Python's hashlib.
#[test]
fn the_worked_example_of_docs_record_md() {
    let e = |t: &str, ch: BallotChannel, r: Option<&str>, b: &str| Entry {
        contest: "clp".into(),
        tracker: t.into(),
        channel: ch,
        replaces: r.map(str::to_string),
        ballot: Ballot::parse(b).unwrap(),
    };
    let t1 = e("T1", BallotChannel::Online, None, "2 1");
    let t2 = e("T2", BallotChannel::Postal, None, "1");
    let t3 = e("T3", BallotChannel::Online, Some("T1"), "1 2");
    assert_eq!(
        hex(&t1.leaf()),
        "55fe0053d01410e0d16c99095affb9722028c716c8e90c6448187b3bc82e5ac7"
    );
    assert_eq!(
        hex(&t2.leaf()),
        "f5718905f4d75524ebd7b3a7cb609b6085070b97cf9127d451723f1548104f2b"
    );
    assert_eq!(
        hex(&t3.leaf()),
        "343ae01cdd7b521772ce857cf846b63e1b980af2596e6552d252d513116faf88"
    );
    let leaves = [t1.leaf(), t2.leaf(), t3.leaf()];
    let head = chain::head_of("demo", &leaves);
    assert_eq!(
        hex(&head),
        "65f74cf9c74172e197977e568d486bc135ab0abc1f02185d882360b7a79ba5f3"
    );
    assert_eq!(chain::seed_of(&head), 7347425952751776481);
    let published = [t3.clone(), t1.clone(), t2.clone()];
    let l = lookup_in(&published, "T1").unwrap();
    assert_eq!((l.index, l.size), (1, 3));
    assert_eq!(
        l.proof,
        [
            "716963171c39dfdd740b011fd9b949245f892fc1b5b0660fc7999d4c39f52c7e",
            "617b502fe6f3f326e1aedb155726196a463d8a6d9dfd7a020aae6f271a3e4339"
        ]
    );
    assert_eq!(
        l.root,
        "91620233f814d2443f2ca926bf29d1c792699a6ec6d19804f57cb4f93ec66cd1"
    );
    assert!(!l.counted && l.valid && l.verify());
    assert_eq!(l.replaced_by.as_deref(), Some("T3"));
    assert!(lookup_in(&published, "T2").unwrap().counted);
    assert!(lookup_in(&published, "T4").is_none());
}

fn same_meaning(file: &str, a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    match file {
        "ballots.jsonl" => {
            let entries = |t: &str| -> Option<Vec<Entry>> {
                t.lines().map(|l| Entry::from_json_line(l).ok()).collect()
            };
            entries(&a).is_some() && entries(&a) == entries(&b)
        }
        "chain.txt" => a == b,
        _ => {
            serde_json::from_str::<serde_json::Value>(&a).ok()
                == serde_json::from_str::<serde_json::Value>(&b).ok()
        }
    }
}

/// Damaged files, each re-signed so that the checks past the signature see them, give a
/// discrepancy and never a panic.
#[test]
fn damaged_files_never_panic() {
    let w = written();
    let p = tampered(&w, "damaged", |_, _| {});
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for file in [
        "ballots.jsonl",
        "chain.txt",
        "results/clp.json",
        "results/nec.json",
    ] {
        let original = fs::read(p.join(file)).unwrap();
        for round in 0..30 {
            let mut bytes = original.clone();
            let at = (next() % bytes.len() as u64) as usize;
            match round % 4 {
                0 => bytes.truncate(at),
                1 => bytes[at] = (next() % 256) as u8,
                2 => bytes.insert(at, b"\n\t\"{}0 ,:x"[(next() % 10) as usize]),
                _ => {
                    bytes.remove(at);
                }
            }
            if bytes == original {
                continue;
            }
            fs::write(p.join(file), &bytes).unwrap();
            resign(&p, &ro_key(), false, |_| {});
            match verify(&p, &with_key()) {
                Err(d) => assert!(!d.message.is_empty()),
                // Only a change that means the same passes (a space between JSON tokens).
                Ok(_) => assert!(
                    same_meaning(file, &original, &bytes),
                    "{file} round {round}"
                ),
            }
            // Lookups on a damaged record answer or refuse, without panicking either.
            let _ = lookup(&p, &w.input.entries[0].tracker);
        }
        fs::write(p.join(file), &original).unwrap();
    }
    resign(&p, &ro_key(), false, |_| {});
    assert!(verify(&p, &with_key()).is_ok());
}
